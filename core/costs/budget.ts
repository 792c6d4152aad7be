import type { Ledger } from '../../storage/ledger.js';
import type { SpendReservationStore } from '../../storage/spend-reservations.js';
import type { Config } from '../config.js';
import { dayOf, monthOf, type Period } from './calendar.js';

export type BudgetProfile = Config['budget']['profile'];

/** What budgets read: the ledger itself, or LedgerStats (the same sums from the rollups). */
export type SpentTotals = Pick<Ledger, 'spentBetween'>;

/** config budget.* plus the zone that decides when a month or day starts. */
export interface BudgetSettings {
  profile: BudgetProfile;
  monthlyUsd: number;
  dailyUsd: number | null;
  perRunUsd: number | null;
  alertPercents: readonly number[];
  timeZone: string;
}

export function budgetSettings(config: Pick<Config, 'budget' | 'timeZone'>): BudgetSettings {
  return { ...config.budget, timeZone: config.timeZone };
}

export interface PeriodSpend {
  period: Period;
  /** In the ledger. */
  spentUsd: number;
  /** Reserved by paid calls still running. */
  heldUsd: number;
  limitUsd: number | null;
  /** limit - spent - held, never below 0; null without a limit. */
  leftUsd: number | null;
  /** spent / limit in percent; null without a limit. */
  percent: number | null;
}

export interface BudgetStatus {
  profile: BudgetProfile;
  month: PeriodSpend;
  day: PeriodSpend;
  perRunUsd: number | null;
}

function spendIn(period: Period, limit: number | null, ledger: SpentTotals, holds: SpendReservationStore): PeriodSpend {
  const spentUsd = ledger.spentBetween(period.start, period.end);
  const heldUsd = holds.heldBetween(period.start, period.end);
  return {
    period,
    spentUsd,
    heldUsd,
    limitUsd: limit,
    leftUsd: limit === null ? null : Math.max(0, limit - spentUsd - heldUsd),
    percent: limit === null || limit <= 0 ? null : (spentUsd / limit) * 100,
  };
}

/** Where the money stands right now: calendar month and day in the configured zone. */
export function readBudgetStatus(settings: BudgetSettings, ledger: SpentTotals, holds: SpendReservationStore, now: number): BudgetStatus {
  return {
    profile: settings.profile,
    month: spendIn(monthOf(now, settings.timeZone), settings.monthlyUsd, ledger, holds),
    day: spendIn(dayOf(now, settings.timeZone), settings.dailyUsd, ledger, holds),
    perRunUsd: settings.perRunUsd,
  };
}

import { randomUUID } from 'node:crypto';
import type { ReservationRow, SpendReservationStore } from '../../storage/spend-reservations.js';
import type { SpendAllowance, SpendGate, SpendRequest, SpendReservation } from '../contracts/spend.js';
import { PieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { formatUsd } from '../lib/format.js';
import type { Logger } from '../logger.js';
import { type BudgetSettings, type BudgetStatus, type PeriodSpend, readBudgetStatus, type SpentTotals } from './budget.js';
import { monthOf, shortDate } from './calendar.js';

export interface SpendGateOptions {
  ledger: SpentTotals;
  holds: SpendReservationStore;
  clock: Clock;
  settings: BudgetSettings;
  logger?: Logger;
  /** A hold that was never settled (a crash mid-call) stops counting after this long. */
  holdMs?: number;
  /** Called after a reservation settles (budget alerts look at the new total). */
  onSettled?: () => void;
}

const EPSILON = 1e-9;

function refuse(message: string, userMessage: string): PieBrainError {
  return new PieBrainError('BUDGET_EXCEEDED', message, { userMessage });
}

/**
 * The SpendGate of core/contracts/spend.ts over SQLite. `reserve` reads the month's and day's spend and holds and
 * inserts its own hold inside one BEGIN IMMEDIATE transaction, so two calls (or two processes) racing the
 * last dollar cannot both pass. Budgets count the ledger: a caller records the call in the ledger and then
 * settles its reservation, which frees the hold.
 */
export class SqliteSpendGate implements SpendGate {
  private readonly holdMs: number;
  /** The share each user spends under (a re-attached run's allowance needs it again). */
  private readonly shares = new Map<string, number>();

  constructor(private readonly options: SpendGateOptions) {
    this.holdMs = options.holdMs ?? 6 * 3600_000;
  }

  get settings(): BudgetSettings {
    return this.options.settings;
  }

  status(): BudgetStatus {
    const { settings, ledger, holds, clock } = this.options;
    return readBudgetStatus(settings, ledger, holds, clock.now());
  }

  reserve(request: SpendRequest): SpendReservation {
    const { settings, holds, clock } = this.options;
    const cap = request.capUsd;
    if (!Number.isFinite(cap) || cap < 0) throw new PieBrainError('VALIDATION', `Expected capUsd to be a non-negative number, got ${cap}`);
    const holdMs = request.holdMs ?? this.holdMs;
    if (!Number.isFinite(holdMs) || holdMs <= 0)
      throw new PieBrainError('VALIDATION', `Expected holdMs to be a positive number, got ${holdMs}`);
    const purpose = request.purpose.trim();
    const what = `${formatUsd(cap)} on ${request.provider}${request.model ? ` (${request.model})` : ''}`;
    if (settings.profile === 'FREE') {
      throw refuse(
        `Refused ${what}: the budget profile is FREE.`,
        'The budget profile is FREE, so I only use the local model; paid models are switched off. An admin can set budget.profile to CAREFUL.',
      );
    }
    if (settings.profile === 'CAREFUL') {
      if (!purpose) throw new PieBrainError('VALIDATION', 'A paid call needs a purpose (the route reason) under the CAREFUL profile.');
      if (settings.perRunUsd !== null && cap > settings.perRunUsd + EPSILON) {
        throw refuse(
          `Refused ${what}: above the per-run cap of ${formatUsd(settings.perRunUsd)}.`,
          `That would need up to ${formatUsd(cap)}, but one paid run may cost at most ${formatUsd(settings.perRunUsd)} (budget.perRunUsd).`,
        );
      }
    }
    const id = randomUUID();
    holds.exclusively(() => {
      const now = clock.now();
      holds.expire(now);
      if (settings.profile === 'CAREFUL') this.checkRoom(cap, what, now);
      if (request.user) this.checkShare(request.user, cap, what, now);
      holds.insert({
        id,
        taskId: request.taskId,
        provider: request.provider,
        model: request.model ?? null,
        purpose: purpose || '(none given)',
        capUsd: cap,
        createdAt: now,
        expiresAt: now + holdMs,
        userKey: request.user?.key ?? null,
      });
    });
    this.options.logger?.info({ reservation: id, provider: request.provider, capUsd: cap, purpose }, 'paid call allowed');
    return this.handle(id, cap);
  }

  resume(id: string): SpendReservation | undefined {
    const row = this.options.holds.get(id);
    return row ? this.handle(id, row.capUsd) : undefined;
  }

  /** The cap, or less: what the month and the day have left beside this hold (which counts in the period it was made). */
  private allowance(id: string, capUsd: number): SpendAllowance {
    const { settings, ledger, holds, clock } = this.options;
    let allowance: SpendAllowance = { usd: capUsd, limit: 'cap', detail: `its cap of ${formatUsd(capUsd)}` };
    const own = holds.get(id);
    if (settings.profile !== 'CAREFUL') return this.shareAllowance(allowance, own, monthOf(clock.now(), settings.timeZone));
    const status = readBudgetStatus(settings, ledger, holds, clock.now());
    const roomIn = (spend: PeriodSpend, limit: number): number => {
      const mine = own?.status === 'held' && own.createdAt >= spend.period.start && own.createdAt < spend.period.end ? own.capUsd : 0;
      return Math.max(0, limit - spend.spentUsd - (spend.heldUsd - mine));
    };
    const month = roomIn(status.month, settings.monthlyUsd);
    if (month < allowance.usd) {
      allowance = {
        usd: month,
        limit: 'month',
        detail: `the ${formatUsd(month)} left of this month's ${formatUsd(settings.monthlyUsd)} budget`,
      };
    }
    if (settings.dailyUsd !== null) {
      const day = roomIn(status.day, settings.dailyUsd);
      if (day < allowance.usd) {
        allowance = { usd: day, limit: 'day', detail: `the ${formatUsd(day)} left of today's ${formatUsd(settings.dailyUsd)} budget` };
      }
    }
    return this.shareAllowance(allowance, own, status.month.period);
  }

  /** A user granted the right to spend may use at most their share of the monthly budget, whatever the profile. */
  private checkShare(user: { key: string; share: number }, cap: number, what: string, now: number): void {
    const { settings, holds } = this.options;
    this.shares.set(user.key, user.share);
    const month = monthOf(now, settings.timeZone);
    const limit = user.share * settings.monthlyUsd;
    const spent = holds.userSpent(user.key, month.start, month.end);
    if (spent + cap > limit + EPSILON) {
      const left = Math.max(0, limit - spent);
      throw refuse(
        `Refused ${what} for ${user.key}: ${formatUsd(left)} of their ${formatUsd(limit)} share is left this month.`,
        `That would need up to ${formatUsd(cap)}, but only ${formatUsd(left)} of your ${formatUsd(limit)} share of this month's budget is left (it renews on ${shortDate(month.end, settings.timeZone)}). The owner sets the share in config access.grants.`,
      );
    }
  }

  /** The allowance, or less when the call is a user's within their share: what the share has left beside this hold. */
  private shareAllowance(
    allowance: SpendAllowance,
    own: ReservationRow | undefined,
    month: { start: number; end: number },
  ): SpendAllowance {
    const user = own?.userKey;
    const share = user ? this.shares.get(user) : undefined;
    if (!user || share === undefined || own?.status !== 'held') return allowance;
    const others = this.options.holds.userSpent(user, month.start, month.end) - own.capUsd;
    const room = Math.max(0, share * this.options.settings.monthlyUsd - others);
    if (room >= allowance.usd) return allowance;
    return { usd: room, limit: 'share', detail: `the ${formatUsd(room)} left of your share of this month's budget` };
  }

  private checkRoom(cap: number, what: string, now: number): void {
    const { settings, ledger, holds } = this.options;
    const status = readBudgetStatus(settings, ledger, holds, now);
    const month = status.month;
    if (month.spentUsd + month.heldUsd + cap > settings.monthlyUsd + EPSILON) {
      const left = Math.max(0, settings.monthlyUsd - month.spentUsd - month.heldUsd);
      throw refuse(
        `Refused ${what}: the month ${month.period.key} has ${formatUsd(left)} of ${formatUsd(settings.monthlyUsd)} left.`,
        `That would need up to ${formatUsd(cap)}, but only ${formatUsd(left)} of this month's ${formatUsd(settings.monthlyUsd)} budget is left (it renews on ${shortDate(month.period.end, settings.timeZone)}). An admin can raise budget.monthlyUsd.`,
      );
    }
    const day = status.day;
    if (settings.dailyUsd !== null && day.spentUsd + day.heldUsd + cap > settings.dailyUsd + EPSILON) {
      const left = Math.max(0, settings.dailyUsd - day.spentUsd - day.heldUsd);
      throw refuse(
        `Refused ${what}: the day ${day.period.key} has ${formatUsd(left)} of ${formatUsd(settings.dailyUsd)} left.`,
        `That would need up to ${formatUsd(cap)}, but only ${formatUsd(left)} of today's ${formatUsd(settings.dailyUsd)} budget is left. It renews at midnight; an admin can raise budget.dailyUsd.`,
      );
    }
  }

  private handle(id: string, capUsd: number): SpendReservation {
    const { holds, clock } = this.options;
    return {
      id,
      capUsd,
      settle: (actualUsd: number) => {
        if (holds.settle(id, actualUsd, clock.now())) this.options.onSettled?.();
      },
      release: () => {
        holds.release(id, clock.now());
      },
      allowance: () => this.allowance(id, capUsd),
    };
  }
}

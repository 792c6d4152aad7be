import type { KeyValueStore } from '../../storage/kv.js';
import type { Alerts } from '../engine/alerts.js';
import { formatUsd } from '../lib/format.js';
import type { BudgetSettings, BudgetStatus } from './budget.js';
import { shortDate } from './calendar.js';

export interface BudgetAlertsOptions {
  alerts: Pick<Alerts, 'notify'>;
  kv: KeyValueStore;
  settings: BudgetSettings;
  status: () => BudgetStatus;
}

/**
 * Tells the admins when the month's spend crosses 50, 80 and 100 % (budget.alertPercents), once per
 * threshold per month. Crossing several at once posts only the highest.
 */
export class BudgetAlerts {
  constructor(private readonly options: BudgetAlertsOptions) {}

  /** Post the highest newly crossed threshold, if any; returns it. */
  check(): number | undefined {
    const { settings, kv, alerts } = this.options;
    if (settings.monthlyUsd <= 0 || settings.alertPercents.length === 0) return undefined;
    const { month } = this.options.status();
    const percent = month.percent ?? 0;
    const crossed = settings.alertPercents.filter((threshold) => percent + 1e-9 >= threshold);
    if (crossed.length === 0) return undefined;
    const highest = Math.max(...crossed);
    const marker = `budget-alert:${month.period.key}`;
    if ((kv.get<number>(marker) ?? 0) >= highest) return undefined;
    kv.set(marker, highest);
    const renews = shortDate(month.period.end, settings.timeZone);
    const spent = `${formatUsd(month.spentUsd)} of this month's ${formatUsd(settings.monthlyUsd)} budget`;
    const text =
      highest >= 100
        ? `Budget used up: ${spent} is spent (${Math.round(percent)} %). Paid calls are refused until ${renews}; local answers go on.`
        : `Budget: ${spent} is spent (${Math.round(percent)} %, the ${highest} % mark); ${formatUsd(month.leftUsd ?? 0)} left until ${renews}.`;
    alerts.notify(`budget:${month.period.key}:${highest}`, text, highest >= 100 ? 'critical' : 'warning');
    return highest;
  }
}

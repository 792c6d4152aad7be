import type { LedgerStats, SpendGroup, TaskSpend } from '../../storage/ledger-stats.js';
import type { CacheSavings } from '../../storage/response-cache.js';
import { formatUsd } from '../lib/format.js';
import type { BudgetStatus } from './budget.js';
import { dayOf, daysBetween, MONTHS, monthOf, type Period, zonedParts } from './calendar.js';
import { LOCAL_PROVIDERS } from './model-catalog.js';
import type { SpendChart } from './spend-chart.js';

export type ReportPeriod = 'today' | 'week' | 'month';

export interface SpendLine {
  name: string;
  costUsd: number;
  calls: number;
  tokens: number;
  reportedUsd: number;
}

export interface CostReport {
  period: ReportPeriod;
  /** "this month (Nov 2026)", "the last 7 days", "today (23 Nov)". */
  label: string;
  timeZone: string;
  from: number;
  to: number;
  totalUsd: number;
  estimatedUsd: number;
  calls: number;
  byProvider: SpendLine[];
  byModel: SpendLine[];
  byBrain: SpendLine[];
  topTasks: Array<TaskSpend & { request?: string }>;
  budget: BudgetStatus;
  cache: CacheSavings;
  chart: SpendChart;
}

export interface CostReportDeps {
  stats: Pick<LedgerStats, 'groups' | 'topTasks'>;
  budget: () => BudgetStatus;
  cacheSavings: (from: number, to: number) => CacheSavings;
  /** The request text of a task, for the top list. */
  describeTask?: (taskId: number) => string | undefined;
  timeZone: string;
  now: number;
}

export function parseReportPeriod(args: string): ReportPeriod | undefined {
  const word = args.trim().toLowerCase();
  if (word === '' || word === 'month') return 'month';
  if (word === 'today' || word === 'day') return 'today';
  return word === 'week' ? 'week' : undefined;
}

interface Ranges {
  report: Period;
  chartDays: Period[];
  label: string;
  chartTitle: string;
}

function rangesFor(period: ReportPeriod, now: number, timeZone: string): Ranges {
  const today = dayOf(now, timeZone);
  const lastWeek = daysBetween(dayOf(today.start - 6 * 86_400_000 + 3_600_000, timeZone).start, today.end, timeZone);
  const { day, month, year } = zonedParts(now, timeZone);
  const monthName = `${MONTHS[month - 1]} ${year}`;
  if (period === 'month') {
    const range = monthOf(now, timeZone);
    return {
      report: range,
      chartDays: daysBetween(range.start, range.end, timeZone),
      label: `this month (${monthName})`,
      chartTitle: `Spend per day, ${monthName}`,
    };
  }
  const start = lastWeek[0]?.start ?? today.start;
  if (period === 'week') {
    return {
      report: { start, end: today.end, key: 'week' },
      chartDays: lastWeek,
      label: 'the last 7 days',
      chartTitle: 'Spend per day, last 7 days',
    };
  }
  return { report: today, chartDays: lastWeek, label: `today (${day} ${MONTHS[month - 1]})`, chartTitle: 'Spend per day, last 7 days' };
}

function addTo(lines: Map<string, SpendLine>, name: string, group: SpendGroup): void {
  const line = lines.get(name) ?? { name, costUsd: 0, calls: 0, tokens: 0, reportedUsd: 0 };
  line.costUsd += group.costUsd;
  line.calls += group.calls;
  line.tokens += group.tokensIn + group.tokensOut;
  line.reportedUsd += group.reportedUsd;
  lines.set(name, line);
}

const byCost = (a: SpendLine, b: SpendLine) => b.costUsd - a.costUsd || b.calls - a.calls || (a.name < b.name ? -1 : 1);

/**
 * Spend for /cost: by provider, model and brain, the budget, cache savings, the five most expensive tasks
 * and a chart of daily spend. One grouped query per chart day (each an index range) and one for the top
 * tasks: fast on a Pi with a year of ledger.
 */
export function buildCostReport(period: ReportPeriod, deps: CostReportDeps): CostReport {
  const { report, chartDays, label, chartTitle } = rangesFor(period, deps.now, deps.timeZone);
  const providers = new Map<string, SpendLine>();
  const models = new Map<string, SpendLine>();
  const brains = new Map<string, SpendLine>();
  let totalUsd = 0;
  let estimatedUsd = 0;
  let calls = 0;
  const days = chartDays.map((day) => {
    const byProvider: Record<string, number> = {};
    for (const group of deps.stats.groups(day.start, day.end)) {
      if (!LOCAL_PROVIDERS.has(group.provider)) byProvider[group.provider] = (byProvider[group.provider] ?? 0) + group.costUsd;
      if (day.start < report.start || day.start >= report.end) continue;
      addTo(providers, group.provider, group);
      addTo(models, group.model, group);
      if (group.kind === 'brain') addTo(brains, group.provider, group);
      totalUsd += group.costUsd;
      estimatedUsd += group.estimatedUsd;
      calls += group.calls;
    }
    return { label: String(zonedParts(day.start, deps.timeZone).day), byProvider };
  });
  const topTasks = deps.stats.topTasks(report.start, report.end, 5).map((task) => {
    const request = deps.describeTask?.(task.taskId);
    return request === undefined ? task : { ...task, request };
  });
  return {
    period,
    label,
    timeZone: deps.timeZone,
    from: report.start,
    to: report.end,
    totalUsd,
    estimatedUsd,
    calls,
    byProvider: [...providers.values()].sort(byCost),
    byModel: [...models.values()].sort(byCost),
    byBrain: [...brains.values()].sort(byCost),
    topTasks,
    budget: deps.budget(),
    cache: deps.cacheSavings(report.start, report.end),
    chart: { title: chartTitle, days },
  };
}

const count = (n: number) => n.toLocaleString('en-US');

function spendList(lines: SpendLine[], unit: string, limit = 6): string {
  if (lines.length === 0) return 'nothing';
  const shown = lines
    .slice(0, limit)
    .map((l) => `${l.name} ${formatUsd(l.costUsd)} (${count(l.calls)} ${unit}${l.calls === 1 ? '' : 's'})`);
  if (lines.length > limit) shown.push(`${lines.length - limit} more`);
  return shown.join(' · ');
}

function budgetLine(budget: BudgetStatus): string {
  const { month, day, profile } = budget;
  if (profile === 'FREE') return `Budget: FREE profile, paid models are off (spent ${formatUsd(month.spentUsd)} this month).`;
  const parts = [
    `Budget (${profile}): ${formatUsd(month.spentUsd)} of ${formatUsd(month.limitUsd ?? 0)} this month (${Math.round(month.percent ?? 0)} %)`,
  ];
  if (profile === 'CAREFUL') parts.push(`${formatUsd(month.leftUsd ?? 0)} left`);
  if (month.heldUsd > 0) parts.push(`${formatUsd(month.heldUsd)} held by running calls`);
  if (day.limitUsd !== null) parts.push(`today ${formatUsd(day.spentUsd)} of ${formatUsd(day.limitUsd)}`);
  if (budget.perRunUsd !== null) parts.push(`at most ${formatUsd(budget.perRunUsd)} a run`);
  return `${parts.join('; ')}.`;
}

/** The /cost reply text (Markdown). */
export function formatCostReport(report: CostReport): string {
  const lines = [`*Spend ${report.label}*: *${formatUsd(report.totalUsd)}* over ${count(report.calls)} calls (${report.timeZone})`];
  if (report.estimatedUsd > 0) lines.push(`Of which estimated (no usage reported): ${formatUsd(report.estimatedUsd)}`);
  lines.push(budgetLine(report.budget), '');
  lines.push(`*By provider*: ${spendList(report.byProvider, 'call')}`);
  lines.push(`*By model*: ${spendList(report.byModel, 'call')}`);
  const brains = report.byBrain.map((b) => {
    const ratio =
      b.reportedUsd > 0 && b.costUsd > 0 ? `, it reported ${formatUsd(b.reportedUsd)} (x${(b.reportedUsd / b.costUsd).toFixed(2)})` : '';
    return `${b.name} ${formatUsd(b.costUsd)} in ${count(b.calls)} run${b.calls === 1 ? '' : 's'}${ratio}`;
  });
  lines.push(`*By brain*: ${brains.length ? brains.join(' · ') : 'no cloud runs'}`);
  const cache = report.cache;
  lines.push(
    `*Response cache*: ${count(cache.hits)} hit${cache.hits === 1 ? '' : 's'} saved ${count(cache.tokens)} tokens and ${formatUsd(cache.costUsd)}`,
  );
  lines.push('', '*Most expensive tasks*:');
  if (report.topTasks.length === 0) lines.push('- none');
  for (const task of report.topTasks) {
    const request = task.request ? `: ${task.request.replace(/\s+/g, ' ').slice(0, 60)}${task.request.length > 60 ? '…' : ''}` : '';
    lines.push(`- #${task.taskId} ${formatUsd(task.costUsd)} (${task.providers})${request}`);
  }
  return lines.join('\n');
}

// Ledger insert rate and /cost month report time over 100,000 ledger rows (target <= 50 ms). JSON lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBudgetStatus } from '../core/costs/budget.js';
import { monthOf } from '../core/costs/calendar.js';
import { writeCostChart } from '../core/costs/cost-command.js';
import { buildCostReport, formatCostReport } from '../core/costs/cost-report.js';
import { openDatabase } from '../storage/db.js';
import { SqliteLedger } from '../storage/ledger.js';
import { LedgerStats } from '../storage/ledger-stats.js';
import { SqliteResponseCache } from '../storage/response-cache.js';
import { SpendReservationStore } from '../storage/spend-reservations.js';

const ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 100_000);
const SINGLE_INSERTS = Number(process.env.BENCH_SINGLE_INSERTS ?? 1000);
const REPORT_RUNS = 15;
const TIME_ZONE = 'Europe/Berlin';

function emit(metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench: 'costs', metric, value: Math.round(value * 100) / 100, unit, ...extra })}\n`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const PROVIDERS = [
  { provider: 'ollama', model: 'qwen2.5:1.5b', kind: 'llm' as const, cost: 0 },
  { provider: 'anthropic', model: 'claude-haiku-4-5', kind: 'llm' as const, cost: 0.002 },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', kind: 'llm' as const, cost: 0.02 },
  { provider: 'claude-code', model: 'claude-sonnet-4-5', kind: 'brain' as const, cost: 0.3 },
  { provider: 'aider', model: 'claude-3-7-sonnet', kind: 'brain' as const, cost: 0.1 },
];

const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-costs-'));
try {
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    const db = openDatabase(join(dir, `insert-${synchronous}.db`), { synchronous });
    const ledger = new SqliteLedger(db);
    const started = performance.now();
    for (let i = 0; i < SINGLE_INSERTS; i += 1) {
      ledger.record({
        taskId: i,
        kind: 'llm',
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        tokensIn: 900,
        tokensOut: 120,
        costUsd: 0.0015,
        latencyMs: 800,
        createdAt: Date.now(),
      });
    }
    const seconds = (performance.now() - started) / 1000;
    emit('ledger_insert_per_s', SINGLE_INSERTS / seconds, 'rows/s', { synchronous, transaction: 'one per row', rows: SINGLE_INSERTS });
    db.close();
  }

  const db = openDatabase(join(dir, 'report.db'), { synchronous: 'NORMAL' });
  const ledger = new SqliteLedger(db);
  const now = Date.now();
  const month = monthOf(now, TIME_ZONE);
  const span = Math.max(1, now - month.start);
  const seedStarted = performance.now();
  db.transaction(() => {
    for (let i = 0; i < ROWS; i += 1) {
      const p = PROVIDERS[i % PROVIDERS.length] ?? PROVIDERS[0];
      if (!p) continue;
      ledger.record({
        taskId: Math.floor(i / 3),
        kind: p.kind,
        provider: p.provider,
        model: p.model,
        tokensIn: 500 + (i % 700),
        tokensOut: 50 + (i % 90),
        costUsd: p.cost * (0.5 + (i % 10) / 10),
        latencyMs: 300 + (i % 5000),
        purpose: 'bench',
        createdAt: month.start + Math.floor((i / ROWS) * span),
      });
    }
  })();
  emit('ledger_insert_per_s', ROWS / ((performance.now() - seedStarted) / 1000), 'rows/s', {
    synchronous: 'NORMAL',
    transaction: 'one for all',
    rows: ROWS,
  });

  const stats = new LedgerStats(db);
  const holds = new SpendReservationStore(db);
  const cache = new SqliteResponseCache(db, { ttlMs: 86_400_000, maxEntries: 5000 });
  const settings = {
    profile: 'CAREFUL' as const,
    monthlyUsd: 20,
    dailyUsd: null,
    perRunUsd: null,
    alertPercents: [50, 80, 100],
    timeZone: TIME_ZONE,
  };
  const build = () =>
    buildCostReport('month', {
      stats,
      budget: () => readBudgetStatus(settings, stats, holds, now),
      cacheSavings: (from, to) => cache.savingsBetween(from, to),
      timeZone: TIME_ZONE,
      now,
    });
  const reportTimes: number[] = [];
  let text = '';
  for (let run = 0; run < REPORT_RUNS; run += 1) {
    const started = performance.now();
    text = formatCostReport(build());
    reportTimes.push(performance.now() - started);
  }
  emit('cost_month_report_ms', percentile(reportTimes, 50), 'ms', {
    rows: ROWS,
    p95: Math.round(percentile(reportTimes, 95) * 100) / 100,
    runs: REPORT_RUNS,
    target: 50,
    chars: text.length,
  });

  const chartTimes: number[] = [];
  const report = build();
  for (let run = 0; run < 5; run += 1) {
    const started = performance.now();
    await writeCostChart(report, join(dir, 'charts'), now, run);
    chartTimes.push(performance.now() - started);
  }
  emit('cost_chart_png_ms', percentile(chartTimes, 50), 'ms', {
    days: report.chart.days.length,
    runs: 5,
    first: Math.round((chartTimes[0] ?? 0) * 100) / 100,
  });
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

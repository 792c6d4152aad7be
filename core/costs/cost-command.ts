import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../commands/command-table.js';
import { type CostReport, formatCostReport, parseReportPeriod, type ReportPeriod } from './cost-report.js';
import { renderSpendChart } from './spend-chart.js';

export interface CostCommandDeps {
  buildReport(period: ReportPeriod): CostReport;
  /** $PIE_BRAIN_HOME/charts */
  chartsDir: string;
  now(): number;
  /** Charts kept on disk; older ones are deleted (a reply only needs its file until it is sent). */
  keepCharts?: number;
}

function pruneCharts(dir: string, keep: number): void {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.png'))
    .map((name) => ({ path: join(dir, name), at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const file of files.slice(keep)) unlinkSync(file.path);
}

/** Render the report's chart to a PNG under chartsDir; returns its path. */
export async function writeCostChart(report: CostReport, dir: string, now: number, taskId: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const path = join(dir, `cost-${report.period}-${stamp}-${taskId}.png`);
  writeFileSync(path, await renderSpendChart(report.chart));
  return path;
}

/** /cost [today|week|month]: the spend report with a chart of daily spend by provider (admins only). */
export function createCostCommand(deps: CostCommandDeps): Command {
  return {
    name: 'cost',
    description: 'spend by provider, model and brain, budget left, cache savings and a chart',
    usage: '/cost [today|week|month]',
    options: [{ name: 'period', description: 'today, week or month', type: 'string', choices: ['today', 'week', 'month'] }],
    privileges: ['operate'],
    run: async ({ args, task }) => {
      const period = parseReportPeriod(args);
      if (!period) return { text: 'Usage: `/cost [today|week|month]` (month by default).' };
      const report = deps.buildReport(period);
      const path = await writeCostChart(report, deps.chartsDir, deps.now(), task.id);
      pruneCharts(deps.chartsDir, deps.keepCharts ?? 20);
      return { text: formatCostReport(report), attachments: [{ kind: 'image', path, caption: report.chart.title }] };
    },
  };
}

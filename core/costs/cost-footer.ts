import type { Ledger, LedgerRow } from '../../storage/ledger.js';
import type { TaskHandler } from '../contracts/task.js';
import { formatUsd } from './budget.js';
import { LOCAL_PROVIDERS } from './model-catalog.js';

/** `450 ms`, `2.1 s`, `3m12s`, `1h04m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * One line saying what a task's models cost: `local · 412 tok · 2.1 s` when only local models ran,
 * `claude-code · $0.23 · 3m12s` when something was paid (`~$` when usage was estimated).
 * Undefined when no model was used.
 */
export function formatCostFooter(rows: readonly LedgerRow[]): string | undefined {
  if (rows.length === 0) return undefined;
  const labels: string[] = [];
  let cost = 0;
  let tokens = 0;
  let latency = 0;
  let paid = false;
  let estimated = false;
  for (const row of rows) {
    const local = LOCAL_PROVIDERS.has(row.provider);
    const label = local ? 'local' : row.provider;
    if (!labels.includes(label)) labels.push(label);
    paid ||= !local;
    estimated ||= row.estimated && !local;
    cost += row.costUsd;
    tokens += row.tokensIn + row.tokensOut + row.cacheReadTokens + row.cacheWriteTokens;
    latency += row.latencyMs;
  }
  const middle = paid ? `${estimated ? '~' : ''}${formatUsd(cost)}` : `${tokens.toLocaleString('en-US')} tok`;
  return `${labels.join(' + ')} · ${middle} · ${formatDuration(latency)}`;
}

/**
 * Adds the cost footer to every reply whose task used a model, from the task's ledger rows. It wraps the
 * whole task handler (commands, router, tools, brains), so no handler has to remember it; a handler that
 * sets its own footer keeps it.
 */
export function withCostFooter(handler: TaskHandler, deps: { ledger: Pick<Ledger, 'forTask'>; enabled: boolean }): TaskHandler {
  if (!deps.enabled) return handler;
  return async (ctx) => {
    const reply = await handler(ctx);
    if (reply.footer !== undefined) return reply;
    const footer = formatCostFooter(deps.ledger.forTask(ctx.task.id));
    return footer ? { ...reply, footer } : reply;
  };
}

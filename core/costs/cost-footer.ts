import type { Ledger, LedgerRow } from '../../storage/ledger.js';
import type { TaskHandler } from '../contracts/task.js';
import { formatDuration, formatTokens, formatUsd } from '../lib/format.js';
import { LOCAL_PROVIDERS } from './model-catalog.js';

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
  const middle = paid ? `${estimated ? '~' : ''}${formatUsd(cost)}` : formatTokens(tokens);
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

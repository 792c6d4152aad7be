import type { Db } from './db.js';
import { rowReader } from './row-reader.js';

/** One LLM call or cloud brain run, with what it used and cost. */
export interface LedgerEntry {
  taskId?: number | null;
  kind: 'llm' | 'brain' | 'embedding';
  provider: string;
  model: string;
  tokensIn: number;
  tokensOut: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  costUsd: number;
  /** What the provider itself said it cost, when it says (Claude Code's total_cost_usd). */
  reportedCostUsd?: number | null;
  /** True when tokens or cost were estimated because the provider reported no usage. */
  estimated?: boolean;
  latencyMs: number;
  /** Why the call was made (the route's reason), recorded for paid calls. */
  purpose?: string;
  data?: Record<string, unknown>;
  createdAt: number;
}

export interface LedgerRow extends Required<Omit<LedgerEntry, 'data' | 'taskId' | 'reportedCostUsd' | 'purpose'>> {
  id: number;
  taskId: number | null;
  reportedCostUsd: number | null;
  purpose: string | null;
  data: Record<string, unknown> | null;
}

export interface Ledger {
  record(entry: LedgerEntry): number;
  /** Sum of cost in [from, to). */
  spentBetween(from: number, to: number): number;
  between(from: number, to: number): LedgerRow[];
  forTask(taskId: number): LedgerRow[];
}

const fromRow = rowReader<LedgerRow>({ flags: ['estimated'], json: ['data'] });

export class SqliteLedger implements Ledger {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO ledger (task_id, kind, provider, model, tokens_in, tokens_out, cache_read_tokens, cache_write_tokens,
                             cost_usd, reported_cost_usd, estimated, latency_ms, purpose, data, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      spent: db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS total FROM ledger WHERE created_at >= ? AND created_at < ?'),
      between: db.prepare('SELECT * FROM ledger WHERE created_at >= ? AND created_at < ? ORDER BY id'),
      forTask: db.prepare('SELECT * FROM ledger WHERE task_id = ? ORDER BY id'),
    };
  }

  record(entry: LedgerEntry): number {
    const info = this.s.insert.run(
      entry.taskId ?? null,
      entry.kind,
      entry.provider,
      entry.model,
      Math.round(entry.tokensIn),
      Math.round(entry.tokensOut),
      Math.round(entry.cacheReadTokens ?? 0),
      Math.round(entry.cacheWriteTokens ?? 0),
      entry.costUsd,
      entry.reportedCostUsd ?? null,
      entry.estimated ? 1 : 0,
      Math.round(entry.latencyMs),
      entry.purpose ?? null,
      entry.data ? JSON.stringify(entry.data) : null,
      entry.createdAt,
    );
    return Number(info.lastInsertRowid);
  }

  spentBetween(from: number, to: number): number {
    return (this.s.spent.get(from, to) as { total: number }).total;
  }

  between(from: number, to: number): LedgerRow[] {
    return (this.s.between.all(from, to) as unknown[]).map(fromRow);
  }

  forTask(taskId: number): LedgerRow[] {
    return (this.s.forTask.all(taskId) as unknown[]).map(fromRow);
  }
}

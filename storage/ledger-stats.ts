import type { Db } from './db.js';

export interface SpendGroup {
  provider: string;
  model: string;
  kind: string;
  costUsd: number;
  calls: number;
  tokensIn: number;
  tokensOut: number;
  reportedUsd: number;
  estimatedUsd: number;
}

export interface TaskSpend {
  taskId: number;
  costUsd: number;
  providers: string;
}

/** Aggregates over the ledger for reports, computed in SQLite over the created_at index. */
export class LedgerStats {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      groups: db.prepare(
        `SELECT provider, model, kind, SUM(cost_usd) AS costUsd, COUNT(*) AS calls, SUM(tokens_in) AS tokensIn,
                SUM(tokens_out) AS tokensOut, COALESCE(SUM(reported_cost_usd), 0) AS reportedUsd,
                SUM(CASE WHEN estimated = 1 THEN cost_usd ELSE 0 END) AS estimatedUsd
         FROM ledger WHERE created_at >= ? AND created_at < ? GROUP BY provider, model, kind`,
      ),
      topTasks: db.prepare(
        `SELECT task_id AS taskId, SUM(cost_usd) AS costUsd, GROUP_CONCAT(DISTINCT provider) AS providers
         FROM ledger WHERE created_at >= ? AND created_at < ? AND task_id IS NOT NULL AND cost_usd > 0
         GROUP BY task_id ORDER BY costUsd DESC, task_id LIMIT ?`,
      ),
      since: db.prepare('SELECT * FROM ledger WHERE created_at >= ? ORDER BY id'),
    };
  }

  /** Spend in [from, to) grouped by provider, model and kind. */
  groups(from: number, to: number): SpendGroup[] {
    return this.s.groups.all(from, to) as SpendGroup[];
  }

  topTasks(from: number, to: number, limit: number): TaskSpend[] {
    return this.s.topTasks.all(from, to, limit) as TaskSpend[];
  }

  /** Every raw row since `from`, oldest first, without loading them all at once (exports). */
  *rowsSince(from: number): IterableIterator<Record<string, unknown>> {
    yield* this.s.since.iterate(from) as IterableIterator<Record<string, unknown>>;
  }
}

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

/** The rollup's bucket: 15 minutes, so local midnight of every time zone starts a bucket. */
export const BUCKET_MS = 900_000;

const GROUP_COLUMNS = `provider, model, kind, SUM(calls) AS calls, SUM(cost_usd) AS costUsd, SUM(tokens_in) AS tokensIn,
  SUM(tokens_out) AS tokensOut, SUM(reported_usd) AS reportedUsd, SUM(estimated_usd) AS estimatedUsd`;

/**
 * Aggregates over the ledger for reports and budgets, read from the rollups the ledger's triggers keep
 * (migration 'costs'); only the partial 15-minute buckets at the edges of a range read the ledger itself.
 */
export class LedgerStats {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      rollupGroups: db.prepare(
        `SELECT ${GROUP_COLUMNS} FROM ledger_rollup WHERE bucket >= ? AND bucket < ? GROUP BY provider, model, kind`,
      ),
      ledgerGroups: db.prepare(
        `SELECT provider, model, kind, COUNT(*) AS calls, SUM(cost_usd) AS costUsd, SUM(tokens_in) AS tokensIn, SUM(tokens_out) AS tokensOut,
                COALESCE(SUM(reported_cost_usd), 0) AS reportedUsd, SUM(CASE WHEN estimated = 1 THEN cost_usd ELSE 0 END) AS estimatedUsd
         FROM ledger WHERE created_at >= ? AND created_at < ? GROUP BY provider, model, kind`,
      ),
      rollupSpent: db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS total FROM ledger_rollup WHERE bucket >= ? AND bucket < ?'),
      ledgerSpent: db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS total FROM ledger WHERE created_at >= ? AND created_at < ?'),
      topTasks: db.prepare(
        `SELECT task_id AS taskId, cost_usd AS costUsd, providers FROM ledger_task_spend
         WHERE first_at >= ? AND first_at < ? ORDER BY cost_usd DESC, task_id LIMIT ?`,
      ),
      since: db.prepare('SELECT * FROM ledger WHERE created_at >= ? ORDER BY id'),
    };
  }

  /** Whole buckets inside [from, to), and the ragged ends that need the ledger. */
  private split(from: number, to: number): { buckets: [number, number] | null; edges: Array<[number, number]> } {
    const first = Math.ceil(from / BUCKET_MS);
    const last = Math.floor(to / BUCKET_MS);
    if (first >= last) return { buckets: null, edges: [[from, to]] };
    const edges: Array<[number, number]> = [];
    if (from < first * BUCKET_MS) edges.push([from, first * BUCKET_MS]);
    if (last * BUCKET_MS < to) edges.push([last * BUCKET_MS, to]);
    return { buckets: [first, last], edges };
  }

  /** Spend in [from, to) grouped by provider, model and kind. */
  groups(from: number, to: number): SpendGroup[] {
    if (to <= from) return [];
    const { buckets, edges } = this.split(from, to);
    const parts = [
      ...(buckets ? (this.s.rollupGroups.all(buckets[0], buckets[1]) as SpendGroup[]) : []),
      ...edges.flatMap(([a, b]) => this.s.ledgerGroups.all(a, b) as SpendGroup[]),
    ];
    if (edges.length === 0) return parts;
    const merged = new Map<string, SpendGroup>();
    for (const part of parts) {
      const key = `${part.provider}\u0000${part.model}\u0000${part.kind}`;
      const into = merged.get(key);
      if (!into) merged.set(key, { ...part });
      else {
        into.calls += part.calls;
        into.costUsd += part.costUsd;
        into.tokensIn += part.tokensIn;
        into.tokensOut += part.tokensOut;
        into.reportedUsd += part.reportedUsd;
        into.estimatedUsd += part.estimatedUsd;
      }
    }
    return [...merged.values()];
  }

  /** Sum of cost in [from, to): the same answer as Ledger.spentBetween, without reading every row. */
  spentBetween(from: number, to: number): number {
    if (to <= from) return 0;
    const { buckets, edges } = this.split(from, to);
    let total = buckets ? (this.s.rollupSpent.get(buckets[0], buckets[1]) as { total: number }).total : 0;
    for (const [a, b] of edges) total += (this.s.ledgerSpent.get(a, b) as { total: number }).total;
    return total;
  }

  /** The most expensive tasks whose first paid call falls in [from, to). */
  topTasks(from: number, to: number, limit: number): TaskSpend[] {
    return this.s.topTasks.all(from, to, limit) as TaskSpend[];
  }

  /** Every raw row since `from`, oldest first, without loading them all at once (exports). */
  *rowsSince(from: number): IterableIterator<Record<string, unknown>> {
    yield* this.s.since.iterate(from) as IterableIterator<Record<string, unknown>>;
  }
}

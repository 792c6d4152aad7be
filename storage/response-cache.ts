import type { Db } from './db.js';

export interface CachedResponse {
  key: string;
  provider: string;
  model: string;
  /** The provider's answer, JSON. */
  response: string;
  /** Tokens the original call used (what a hit saves). */
  tokens: number;
  costUsd: number;
}

export interface CacheSavings {
  hits: number;
  tokens: number;
  costUsd: number;
}

export interface ResponseCacheOptions {
  ttlMs: number;
  /** 0 turns the cache off. */
  maxEntries: number;
}

/**
 * Answers of deterministic LLM calls by request hash, with a time to live and a size cap (least recently
 * used go first). Every hit is logged with what it saved, for /cost and /metrics.
 */
export class SqliteResponseCache {
  private readonly s;
  /** At least the number of rows (an update may count twice); a trim recounts. */
  private approxCount: number | undefined;

  constructor(
    db: Db,
    readonly options: ResponseCacheOptions,
  ) {
    this.s = {
      get: db.prepare('SELECT * FROM llm_cache WHERE key = ? AND expires_at > ?'),
      touch: db.prepare('UPDATE llm_cache SET hits = hits + 1, used_at = ? WHERE key = ?'),
      hit: db.prepare('INSERT INTO llm_cache_hits (at, provider, tokens, cost_usd) VALUES (?, ?, ?, ?)'),
      put: db.prepare(
        `INSERT INTO llm_cache (key, provider, model, response, tokens, cost_usd, hits, created_at, expires_at, used_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET response = excluded.response, tokens = excluded.tokens, cost_usd = excluded.cost_usd,
           created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = excluded.used_at`,
      ),
      expire: db.prepare('DELETE FROM llm_cache WHERE expires_at <= ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM llm_cache'),
      trim: db.prepare('DELETE FROM llm_cache WHERE key IN (SELECT key FROM llm_cache ORDER BY used_at ASC LIMIT ?)'),
      savings: db.prepare(
        'SELECT COUNT(*) AS hits, COALESCE(SUM(tokens), 0) AS tokens, COALESCE(SUM(cost_usd), 0) AS cost FROM llm_cache_hits WHERE at >= ? AND at < ?',
      ),
    };
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  /** The stored answer, counting the hit; undefined when absent or expired. */
  get(key: string, now: number): CachedResponse | undefined {
    if (!this.enabled) return undefined;
    const row = this.s.get.get(key, now) as
      | { provider: string; model: string; response: string; tokens: number; cost_usd: number }
      | undefined;
    if (!row) return undefined;
    this.s.touch.run(now, key);
    this.s.hit.run(now, row.provider, row.tokens, row.cost_usd);
    return { key, provider: row.provider, model: row.model, response: row.response, tokens: row.tokens, costUsd: row.cost_usd };
  }

  put(entry: CachedResponse, now: number): void {
    if (!this.enabled) return;
    this.s.put.run(entry.key, entry.provider, entry.model, entry.response, entry.tokens, entry.costUsd, now, now + this.options.ttlMs, now);
    // Counting rows on every write would scan the table; an upper bound in memory says when a trim is due.
    this.approxCount = (this.approxCount ?? this.size() - 1) + 1;
    if (this.approxCount > this.options.maxEntries) this.trim(now);
  }

  /** Drop expired entries and the least recently used beyond the cap. Returns how many went. */
  trim(now: number): number {
    let removed = this.s.expire.run(now).changes;
    const over = this.size() - this.options.maxEntries;
    if (over > 0) removed += this.s.trim.run(over).changes;
    this.approxCount = this.size();
    return removed;
  }

  size(): number {
    return (this.s.count.get() as { n: number }).n;
  }

  savingsBetween(from: number, to: number): CacheSavings {
    const row = this.s.savings.get(from, to) as { hits: number; tokens: number; cost: number };
    return { hits: row.hits, tokens: row.tokens, costUsd: row.cost };
  }
}

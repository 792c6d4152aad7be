import type { Db } from './db.js';

/**
 * Answers of slow or rate-limited services (arXiv) kept in SQLite: they survive a restart, so a retried task
 * or digest does not ask again, and every user of the service in the process shares them.
 */
export class FetchCache {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare('SELECT body, fetched_at AS fetchedAt FROM fetch_cache WHERE key = ?'),
      set: db.prepare(
        'INSERT INTO fetch_cache (key, body, fetched_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at',
      ),
      prune: db.prepare('DELETE FROM fetch_cache WHERE fetched_at < ?'),
    };
  }

  /** The stored body when it is younger than `ttlMs`. */
  get(key: string, now: number, ttlMs: number): string | undefined {
    const row = this.s.get.get(key) as { body: string; fetchedAt: number } | undefined;
    return row && now - row.fetchedAt < ttlMs ? row.body : undefined;
  }

  /** Store a body and drop everything older than `ttlMs` (the table never outgrows one TTL of answers). */
  set(key: string, body: string, now: number, ttlMs: number): void {
    this.s.prune.run(now - ttlMs);
    this.s.set.run(key, body, now);
  }
}

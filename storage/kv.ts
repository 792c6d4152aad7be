import type { Db } from './db.js';

/** Small durable settings that change at run time (the active brain, alert states, job cursors). */
export class KeyValueStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare('SELECT value FROM kv WHERE key = ?'),
      set: db.prepare(
        'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      delete: db.prepare('DELETE FROM kv WHERE key = ?'),
    };
  }

  get<T>(key: string): T | undefined {
    const row = this.s.get.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(key: string, value: unknown, now = Date.now()): void {
    this.s.set.run(key, JSON.stringify(value), now);
  }

  delete(key: string): void {
    this.s.delete.run(key);
  }
}

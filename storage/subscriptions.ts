import type { Db } from './db.js';
import type { StoredAddress } from './outbox.js';

export interface Subscription {
  address: StoredAddress;
  createdBy: string;
  createdAt: number;
}

/** The channels that asked for the daily digest, one row per (platform, chat). */
export class DigestSubscriptions {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      add: db.prepare(
        `INSERT INTO digest_subscriptions (platform, chat_id, thread_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (platform, chat_id) DO NOTHING`,
      ),
      remove: db.prepare('DELETE FROM digest_subscriptions WHERE platform = ? AND chat_id = ?'),
      list: db.prepare('SELECT * FROM digest_subscriptions ORDER BY platform, chat_id'),
      has: db.prepare('SELECT 1 FROM digest_subscriptions WHERE platform = ? AND chat_id = ?'),
    };
  }

  subscribe(address: StoredAddress, createdBy: string, now: number): boolean {
    return this.s.add.run(address.platform, address.chatId, address.threadId ?? null, createdBy, now).changes === 1;
  }

  unsubscribe(address: StoredAddress): boolean {
    return this.s.remove.run(address.platform, address.chatId).changes === 1;
  }

  isSubscribed(address: StoredAddress): boolean {
    return this.s.has.get(address.platform, address.chatId) !== undefined;
  }

  list(): Subscription[] {
    return (
      this.s.list.all() as Array<{ platform: string; chat_id: string; thread_id: string | null; created_by: string; created_at: number }>
    ).map((row) => ({
      address: { platform: row.platform, chatId: row.chat_id, ...(row.thread_id ? { threadId: row.thread_id } : {}) },
      createdBy: row.created_by,
      createdAt: row.created_at,
    }));
  }
}

// The bare reference for bench/queue: the same lifecycle as pie-brain's queue and outbox (durable intake,
// lease claim, completion with its reply in one transaction, claim-send, durable receipt), written directly
// on better-sqlite3 with nothing else: no trace, no dedup lookups, no JSON columns parsed.
import type { Database } from 'better-sqlite3';

export function createReferenceQueue(db: Database) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ref_tasks (id INTEGER PRIMARY KEY, text TEXT NOT NULL, status INTEGER NOT NULL DEFAULT 0,
      lease_until INTEGER, lease_owner TEXT, created_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS ref_tasks_pending ON ref_tasks (id) WHERE status = 0;
    CREATE TABLE IF NOT EXISTS ref_outbox (id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, body TEXT NOT NULL,
      status INTEGER NOT NULL DEFAULT 0, receipt TEXT, sent_at INTEGER);
    CREATE INDEX IF NOT EXISTS ref_outbox_pending ON ref_outbox (id) WHERE status = 0;
  `);
  const level = db.pragma('synchronous', { simple: true });
  const relax = db.prepare('PRAGMA synchronous = NORMAL');
  const restore = db.prepare(`PRAGMA synchronous = ${level}`);
  const s = {
    insert: db.prepare('INSERT INTO ref_tasks (text, created_at) VALUES (?, ?)'),
    claim: db.prepare(
      'UPDATE ref_tasks SET status = 1, lease_until = ?, lease_owner = ? WHERE id = (SELECT id FROM ref_tasks WHERE status = 0 ORDER BY id LIMIT 1) RETURNING id, text',
    ),
    finish: db.prepare('UPDATE ref_tasks SET status = 2, lease_until = NULL WHERE id = ? AND lease_owner = ?'),
    reply: db.prepare('INSERT INTO ref_outbox (task_id, body) VALUES (?, ?)'),
    due: db.prepare(
      'UPDATE ref_outbox SET status = 1 WHERE id = (SELECT id FROM ref_outbox WHERE status = 0 ORDER BY id LIMIT 1) RETURNING id',
    ),
    sent: db.prepare('UPDATE ref_outbox SET status = 2, receipt = ?, sent_at = ? WHERE id = ?'),
  };
  const relaxed = <T>(work: () => T): T => {
    relax.run();
    try {
      return work();
    } finally {
      restore.run();
    }
  };
  const complete = db.transaction((id: number, owner: string, body: string) => {
    s.finish.run(id, owner);
    s.reply.run(id, body);
  });
  return {
    enqueue: (text: string, now: number) => Number(s.insert.run(text, now).lastInsertRowid),
    claim: (owner: string, now: number, leaseMs: number) =>
      relaxed(() => s.claim.get(now + leaseMs, owner) as { id: number; text: string } | undefined),
    complete: (id: number, owner: string, body: string) => relaxed(() => complete.immediate(id, owner, body)),
    claimDue: () => relaxed(() => s.due.get() as { id: number } | undefined),
    markSent: (id: number, receipt: string, now: number) => s.sent.run(receipt, now, id),
  };
}

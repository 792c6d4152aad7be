import type { Db } from './db.js';

export interface PruneCounts {
  tasks: number;
  events: number;
  outbox: number;
  jobRuns: number;
  codeRuns: number;
}

/**
 * Delete finished tasks older than `before` with their trace and delivered replies, and old job runs.
 * A task with a reply still waiting to be sent is kept. The ledger is cost history and is never pruned.
 */
export function pruneFinished(db: Db, before: number): PruneCounts {
  return db
    .transaction(() => {
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS prune_ids (id INTEGER PRIMARY KEY); DELETE FROM prune_ids;`);
      db.prepare(
        `INSERT INTO prune_ids (id)
         SELECT t.id FROM tasks t
         WHERE t.status IN ('done', 'failed', 'dead', 'cancelled') AND t.updated_at < ?
           AND t.id NOT IN (SELECT task_id FROM outbox WHERE status IN ('pending', 'sending') AND task_id IS NOT NULL)`,
      ).run(before);
      const events = db.prepare('DELETE FROM task_events WHERE task_id IN (SELECT id FROM prune_ids)').run().changes;
      const taskOutbox = db.prepare('DELETE FROM outbox WHERE task_id IN (SELECT id FROM prune_ids)').run().changes;
      const otherOutbox = db
        .prepare(`DELETE FROM outbox WHERE task_id IS NULL AND status IN ('sent', 'failed') AND created_at < ?`)
        .run(before).changes;
      const tasks = db.prepare('DELETE FROM tasks WHERE id IN (SELECT id FROM prune_ids)').run().changes;
      const jobRuns = db.prepare(`DELETE FROM job_runs WHERE started_at < ? AND status != 'running'`).run(before).changes;
      const codeRuns = db.prepare('DELETE FROM code_runs WHERE created_at < ?').run(before).changes;
      db.exec('DELETE FROM prune_ids');
      return { tasks, events, outbox: taskOutbox + otherOutbox, jobRuns, codeRuns };
    })
    .immediate();
}

/** Fold the WAL back into the database file (off-peak: it briefly blocks writers). */
export function checkpoint(db: Db): { busy: number; log: number; checkpointed: number } {
  const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  return row ?? { busy: 0, log: 0, checkpointed: 0 };
}

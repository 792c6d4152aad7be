import type { Transaction } from 'better-sqlite3';
import { type Db, nextIdSql, relaxed } from './db.js';
import { insertOutboxRow, OUTBOX_FROM, type OutboxItem } from './outbox.js';
import {
  type NewTask,
  type QueueStats,
  RUNNING_STATUSES,
  type TaskEvent,
  type TaskOutcome,
  type TaskQueue,
  type TaskRecord,
  type TaskStatus,
} from './task-queue.js';
import { TaskTrace } from './task-trace.js';

// The contract lives in task-queue.ts; this file is its SQLite implementation.
export * from './task-queue.js';

// Task rows are read as arrays, these columns in this order (statements in raw mode): better-sqlite3 builds
// an object per row by setting each named column on it, which cost more than everything else a claim does in
// JavaScript.
const COLUMNS = `id, request_text, status, tool_name, metadata, platform, chat_id, thread_id, reply_to, user_id, user_name,
  platform_message_id, message, attempts, lease_until, lease_owner, not_before, created_at, updated_at, error`;

type Row = [
  id: number,
  requestText: string,
  status: TaskStatus,
  toolName: string | null,
  metadata: string,
  platform: string,
  chatId: string,
  threadId: string | null,
  replyTo: string | null,
  userId: string,
  userName: string,
  platformMessageId: string,
  message: string,
  attempts: number,
  leaseUntil: number | null,
  leaseOwner: string | null,
  notBefore: number,
  createdAt: number,
  updatedAt: number,
  error: string | null,
];

/** A claimed task's row, then the id of the oldest open task. */
type ClaimedRow = [...Row, oldestOpen: number];

function fromRow(row: Row | ClaimedRow): TaskRecord {
  return {
    id: row[0],
    requestText: row[1],
    status: row[2],
    toolName: row[3],
    metadata: JSON.parse(row[4]) as Record<string, unknown>,
    platform: row[5],
    chatId: row[6],
    threadId: row[7],
    replyTo: row[8],
    userId: row[9],
    userName: row[10],
    platformMessageId: row[11],
    message: JSON.parse(row[12]),
    attempts: row[13],
    leaseUntil: row[14],
    leaseOwner: row[15],
    notBefore: row[16],
    createdAt: row[17],
    updatedAt: row[18],
    error: row[19],
  };
}

/**
 * Open tasks (pending or running) are found by id from `openFrom` on, not through an index: every task
 * with a smaller id has ended. That holds because a task only ever ends once (nothing sets `ended_at` back
 * to NULL) and a new task's id is above every id in the table; so the cursor only moves up, each time to the
 * oldest open task a statement saw. Tasks end about in the order they came, so a walk from the cursor
 * passes few ended rows, and a message writes no index page for being open (two pages fewer a message
 * than a partial index of open tasks, which each intake and each completion rewrote). The first walk after
 * a start reads the table once.
 */
export class SqliteTaskQueue implements TaskQueue {
  private readonly s;
  private readonly trace: TaskTrace;
  private openFrom = 0;
  // The row is the trace of the claim that ends here (claimed_at) and of the end (status, updated_at):
  // the trace reads both from it, so a completion writes the task and its reply and nothing else.
  private readonly completeNow: Transaction<(taskId: number, owner: string, outcome: TaskOutcome, now: number) => boolean>;

  constructor(private readonly db: Db) {
    this.trace = new TaskTrace(db);
    this.completeNow = db.transaction((taskId: number, owner: string, outcome: TaskOutcome, now: number): boolean => {
      const changed = this.s.finish.run(outcome.status, outcome.error ?? null, outcome.toolName ?? null, now, now, taskId, owner).changes;
      if (changed !== 1) return false;
      if (outcome.reply) insertOutboxRow(this.db, outcome.reply, now, taskId);
      return true;
    });
    this.s = {
      insert: db.prepare(
        `INSERT INTO tasks (id, request_text, platform, chat_id, thread_id, reply_to, user_id, user_name, platform_message_id, message, created_at, updated_at,
           outbox_from)
         VALUES (${nextIdSql('tasks')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${OUTBOX_FROM}) ON CONFLICT (platform, platform_message_id) DO NOTHING`,
      ),
      byMessage: db.prepare('SELECT id FROM tasks WHERE platform = ? AND platform_message_id = ?'),
      // The last column is the oldest open task's id after this claim (the claimed task is open, so there is
      // one): the next statements start there.
      claim: db
        .prepare(
          `UPDATE tasks SET status = 'routing', attempts = attempts + 1, lease_until = ?, lease_owner = ?, updated_at = ?, claimed_at = ?
         WHERE id = (SELECT id FROM tasks WHERE id >= ? AND ended_at IS NULL AND status = 'pending' AND not_before <= ? ORDER BY id LIMIT 1)
         RETURNING ${COLUMNS}, (SELECT id FROM tasks WHERE id >= ? AND ended_at IS NULL ORDER BY id LIMIT 1)`,
        )
        .raw(),
      // With no open task, one above the largest id: every later task gets a larger id.
      oldestOpen: db
        .prepare(
          `SELECT IFNULL((SELECT id FROM tasks WHERE id >= ? AND ended_at IS NULL ORDER BY id LIMIT 1), (SELECT IFNULL(MAX(id), 0) + 1 FROM tasks))`,
        )
        .pluck(),
      renew: db.prepare(
        `UPDATE tasks SET lease_until = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status IN ('routing', 'executing')`,
      ),
      advance: db.prepare(
        `UPDATE tasks SET status = 'executing', tool_name = COALESCE(?, tool_name), metadata = json_patch(metadata, ?), updated_at = ?
         WHERE id = ? AND lease_owner = ? AND status IN ('routing', 'executing')`,
      ),
      finish: db.prepare(
        `UPDATE tasks SET status = ?, error = ?, tool_name = COALESCE(?, tool_name), lease_until = NULL, updated_at = ?, ended_at = ?
         WHERE id = ? AND lease_owner = ? AND status IN ('routing', 'executing')`,
      ),
      release: db.prepare(
        `UPDATE tasks SET status = 'pending', not_before = ?, error = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?,
                attempts = MAX(0, attempts - ?)
         WHERE id = ? AND lease_owner = ? AND status IN ('routing', 'executing')`,
      ),
      refund: db.prepare(
        `UPDATE tasks SET attempts = MAX(0, attempts - 1), updated_at = ?
         WHERE id = ? AND lease_owner = ? AND status IN ('routing', 'executing')`,
      ),
      expired: db
        .prepare(
          `SELECT ${COLUMNS} FROM tasks WHERE id >= ? AND ended_at IS NULL AND status IN ('routing', 'executing') AND lease_until < ?
           ORDER BY id`,
        )
        .raw(),
      requeue: db.prepare(
        `UPDATE tasks SET status = 'pending', lease_until = NULL, lease_owner = NULL, updated_at = ?, error = 'lease expired' WHERE id = ?`,
      ),
      kill: db.prepare(
        `UPDATE tasks SET status = 'dead', lease_until = NULL, updated_at = ?, ended_at = ?, error = 'gave up after repeated interruptions' WHERE id = ?`,
      ),
      expireForeign: db.prepare(
        `UPDATE tasks SET lease_until = ?
         WHERE id >= ? AND ended_at IS NULL AND status IN ('routing', 'executing') AND (lease_owner IS NULL OR lease_owner != ?)`,
      ),
      cancelPending: db.prepare(
        `UPDATE tasks SET status = 'cancelled', updated_at = ?, ended_at = ?, error = 'cancelled' WHERE id = ? AND status = 'pending'`,
      ),
      get: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`).raw(),
      status: db.prepare('SELECT status FROM tasks WHERE id = ?').pluck(),
      event: db.prepare(
        `INSERT INTO task_events (task_id, at, type, duration_ms, tokens_in, tokens_out, cost_usd, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      claimEnded: db.prepare(
        `INSERT INTO task_events (task_id, at, type, duration_ms)
         SELECT id, claimed_at, 'claimed', claimed_at - created_at FROM tasks WHERE id = ? AND claimed_at IS NOT NULL`,
      ),
      nextRetry: db.prepare(`SELECT MIN(not_before) AS at FROM tasks WHERE id >= ? AND ended_at IS NULL AND status = 'pending'`),
      nextLease: db.prepare(
        `SELECT MIN(lease_until) AS at FROM tasks WHERE id >= ? AND ended_at IS NULL AND status IN ('routing', 'executing')`,
      ),
      pendingStats: db.prepare(
        `SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM tasks WHERE id >= ? AND ended_at IS NULL AND status = 'pending'`,
      ),
      runningCount: db.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE id >= ? AND ended_at IS NULL AND status IN ('routing', 'executing')`),
      recent: db
        .prepare(
          `SELECT ${COLUMNS} FROM tasks WHERE platform = ? AND chat_id = ? AND COALESCE(thread_id, '') = ? AND id < ?
         ORDER BY id DESC LIMIT ?`,
        )
        .raw(),
    };
  }

  enqueue(task: NewTask, now: number): { taskId: number; created: boolean } {
    // One statement, committed on its own at the configured level (the intake's fsync); the task a duplicate
    // names is looked up only after the insert found its (platform, message id) taken.
    const info = this.s.insert.run(
      task.text,
      task.platform,
      task.chatId,
      task.threadId ?? null,
      task.replyTo ?? null,
      task.userId,
      task.userName,
      task.platformMessageId,
      JSON.stringify(task.message),
      now,
      now,
    );
    if (info.changes === 0) {
      const existing = this.s.byMessage.get(task.platform, task.platformMessageId) as { id: number } | undefined;
      // Pruned by retention between the two statements: it is new again.
      if (!existing) return this.enqueue(task, now);
      return { taskId: existing.id, created: false };
    }
    // The "queued" step of the trace is the task row's created_at (events() adds it): one write fewer.
    return { taskId: Number(info.lastInsertRowid), created: true };
  }

  claim(owner: string, now: number, leaseMs: number): TaskRecord | undefined {
    // One statement, atomic on its own. A claim lost to a power cut only means the task runs again: no
    // fsync of its own. Its "claimed" trace step is written by whatever ends the claim (claimed_at keeps
    // the time), so a claim costs one row write instead of two.
    return relaxed(this.db, () => {
      const row = this.s.claim.get(now + leaseMs, owner, now, now, this.openFrom, now, this.openFrom) as ClaimedRow | undefined;
      if (!row) {
        this.oldestOpen();
        return undefined;
      }
      this.openFrom = row[20];
      return fromRow(row);
    });
  }

  /** Move the cursor up to the oldest open task (or past the newest task when none is open). */
  private oldestOpen(): number {
    this.openFrom = this.s.oldestOpen.get(this.openFrom) as number;
    return this.openFrom;
  }

  renewLease(taskId: number, owner: string, leaseUntil: number, now: number): boolean {
    return this.s.renew.run(leaseUntil, now, taskId, owner).changes === 1;
  }

  advance(taskId: number, owner: string, fields: { toolName?: string; metadata?: Record<string, unknown> }, now: number): boolean {
    return this.s.advance.run(fields.toolName ?? null, JSON.stringify(fields.metadata ?? {}), now, taskId, owner).changes === 1;
  }

  complete(taskId: number, owner: string, outcome: TaskOutcome, now: number): boolean {
    // Until its reply is sent, a completion lost to a power cut only means the task runs again; the
    // receipt's durable commit makes it durable before anything reaches the user twice.
    return relaxed(this.db, () =>
      outcome.reply
        ? this.completeNow.immediate(taskId, owner, outcome, now)
        : // Nothing to queue with it: one statement is atomic on its own.
          this.s.finish.run(outcome.status, outcome.error ?? null, outcome.toolName ?? null, now, now, taskId, owner).changes === 1,
    );
  }

  release(taskId: number, owner: string, notBefore: number, error: string, now: number, refund = false): boolean {
    return this.db.transaction(() => {
      const changed = this.s.release.run(notBefore, error, now, refund ? 1 : 0, taskId, owner).changes === 1;
      if (!changed) return false;
      this.s.claimEnded.run(taskId);
      this.s.event.run(taskId, now, 'released', null, null, null, null, JSON.stringify({ notBefore, error }));
      return changed;
    })();
  }

  refundAttempt(taskId: number, owner: string, now: number): boolean {
    return this.db.transaction(() => {
      const changed = this.s.refund.run(now, taskId, owner).changes === 1;
      if (changed) this.s.event.run(taskId, now, 'attempt-refunded', null, null, null, null, null);
      return changed;
    })();
  }

  reapExpired(
    now: number,
    maxAttempts: number,
    deadReply: (task: TaskRecord) => Omit<OutboxItem, 'taskId'>,
  ): { requeued: number[]; dead: number[] } {
    return this.db
      .transaction(() => {
        const requeued: number[] = [];
        const dead: number[] = [];
        for (const row of this.s.expired.all(this.oldestOpen(), now) as Row[]) {
          const task = fromRow(row);
          this.s.claimEnded.run(task.id);
          if (task.attempts >= maxAttempts) {
            this.s.kill.run(now, now, task.id);
            this.s.event.run(task.id, now, 'dead', null, null, null, null, JSON.stringify({ attempts: task.attempts }));
            insertOutboxRow(this.db, deadReply(task), now, task.id);
            dead.push(task.id);
          } else {
            this.s.requeue.run(now, task.id);
            this.s.event.run(task.id, now, 'lease-expired', null, null, null, null, JSON.stringify({ owner: task.leaseOwner }));
            requeued.push(task.id);
          }
        }
        return { requeued, dead };
      })
      .immediate();
  }

  expireForeignLeases(owner: string, now: number): number {
    return this.s.expireForeign.run(now - 1, this.oldestOpen(), owner).changes;
  }

  cancel(taskId: number, now: number, reply: Omit<OutboxItem, 'taskId'>): 'cancelled' | 'running' | 'finished' | 'not-found' {
    return this.db
      .transaction(() => {
        const status = this.s.status.get(taskId) as TaskStatus | undefined;
        if (!status) return 'not-found' as const;
        if (this.s.cancelPending.run(now, now, taskId).changes === 1) {
          this.s.event.run(taskId, now, 'cancelled', null, null, null, null, null);
          insertOutboxRow(this.db, reply, now, taskId);
          return 'cancelled' as const;
        }
        return RUNNING_STATUSES.includes(status) ? ('running' as const) : ('finished' as const);
      })
      .immediate();
  }

  get(taskId: number): TaskRecord | undefined {
    const row = this.s.get.get(taskId) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  record(event: TaskEvent): void {
    // A trace step lost to a power cut loses a line of /task, nothing else: no fsync of its own.
    relaxed(this.db, () =>
      this.s.event.run(
        event.taskId,
        event.at,
        event.type,
        event.durationMs ?? null,
        event.tokensIn ?? null,
        event.tokensOut ?? null,
        event.costUsd ?? null,
        event.data ? JSON.stringify(event.data) : null,
      ),
    );
  }

  events(taskId: number): TaskEvent[] {
    return this.trace.events(taskId);
  }

  nextWakeAt(): number | undefined {
    const from = this.oldestOpen();
    const retry = (this.s.nextRetry.get(from) as { at: number | null }).at;
    const lease = (this.s.nextLease.get(from) as { at: number | null }).at;
    const candidates = [retry, lease].filter((value): value is number => value !== null);
    return candidates.length ? Math.min(...candidates) : undefined;
  }

  stats(): QueueStats {
    const from = this.oldestOpen();
    const pending = this.s.pendingStats.get(from) as { n: number; oldest: number | null };
    const running = this.s.runningCount.get(from) as { n: number };
    return { pending: pending.n, running: running.n, oldestPendingAt: pending.oldest };
  }

  recent(
    chat: { platform: string; chatId: string; threadId?: string | undefined },
    limit: number,
    beforeId = Number.MAX_SAFE_INTEGER,
  ): TaskRecord[] {
    return (this.s.recent.all(chat.platform, chat.chatId, chat.threadId ?? '', beforeId, limit) as Row[]).map(fromRow);
  }
}

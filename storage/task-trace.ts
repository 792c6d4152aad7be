import type { Db } from './db.js';
import { OF_TASK } from './outbox.js';
import type { TaskEvent, TaskStatus } from './task-queue.js';

/** What the trace reads of the task itself. */
interface TraceRow {
  id: number;
  status: TaskStatus;
  claimed_at: number | null;
  created_at: number;
  updated_at: number;
}

const ENDED_BY_COMPLETION: ReadonlySet<TaskStatus> = new Set(['done', 'failed', 'cancelled']);

/**
 * A task's trace (`/task`), read back from three places: the task row (queued, its latest claim, a
 * completion), the stored steps in task_events, and the receipts of its delivered replies. The queue writes
 * as few trace rows as it can; this puts the steps back together.
 */
export class TaskTrace {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      task: db.prepare('SELECT id, status, claimed_at, created_at, updated_at FROM tasks WHERE id = ?'),
      events: db.prepare(`SELECT * FROM task_events WHERE task_id = ? ORDER BY at, CASE type WHEN 'claimed' THEN 0 ELSE 1 END, id`),
      sentReplies: db.prepare(
        `SELECT id, sent_at, created_at, receipt, attempts, resent_after_crash FROM outbox WHERE ${OF_TASK} AND status = 'sent' ORDER BY id`,
      ),
      completionReply: db.prepare(`SELECT id FROM outbox WHERE ${OF_TASK} AND created_at = ? ORDER BY id LIMIT 1`),
    };
  }

  events(taskId: number): TaskEvent[] {
    const task = this.s.task.get(taskId) as TraceRow | undefined;
    if (!task) return [];
    const queued: TaskEvent = { taskId, at: task.created_at, type: 'queued' };
    const stored = [
      ...(this.s.events.all(taskId) as Array<Record<string, unknown>>).map((row) => ({
        taskId: row.task_id as number,
        at: row.at as number,
        type: row.type as string,
        durationMs: row.duration_ms as number | null,
        tokensIn: row.tokens_in as number | null,
        tokensOut: row.tokens_out as number | null,
        costUsd: row.cost_usd as number | null,
        data: row.data ? (JSON.parse(row.data as string) as Record<string, unknown>) : null,
      })),
    ];
    // Each delivered reply's receipt is a step of the trace as well.
    const sent: TaskEvent[] = (
      this.s.sentReplies.all(taskId, taskId) as Array<{
        id: number;
        sent_at: number;
        created_at: number;
        receipt: string;
        attempts: number;
        resent_after_crash: number;
      }>
    ).map((row) => ({
      taskId,
      at: row.sent_at,
      type: 'reply-sent',
      durationMs: row.sent_at - row.created_at,
      data: {
        outboxId: row.id,
        receipt: row.receipt,
        attempt: row.attempts,
        ...(row.resent_after_crash ? { resentAfterCrash: true } : {}),
      },
    }));
    const steps = [...this.fromRow(task, stored), ...stored, ...sent].sort(
      (a, b) => a.at - b.at || Number(b.type === 'claimed') - Number(a.type === 'claimed'),
    );
    return [queued, ...steps];
  }

  /**
   * Steps the task row itself records: its latest claim (a claim that ended in a release or an expired lease
   * is stored when it ends), and how it ended when a completion ended it (other ends store their own step).
   */
  private fromRow(task: TraceRow, stored: readonly TaskEvent[]): TaskEvent[] {
    const steps: TaskEvent[] = [];
    const claimed = task.claimed_at;
    if (claimed !== null && !stored.some((event) => event.type === 'claimed' && event.at === claimed)) {
      steps.push({ taskId: task.id, at: claimed, type: 'claimed', durationMs: claimed - task.created_at });
    }
    const ended = task.status === 'done' ? 'completed' : task.status;
    if (ENDED_BY_COMPLETION.has(task.status) && !stored.some((event) => event.type === ended)) {
      // The reply a completion queued was written in the same transaction, at the same time.
      const outboxId = (this.s.completionReply.get(task.id, task.id, task.updated_at) as { id: number } | undefined)?.id;
      steps.push({ taskId: task.id, at: task.updated_at, type: ended, data: outboxId === undefined ? null : { replyQueued: outboxId } });
    }
    return steps;
  }
}

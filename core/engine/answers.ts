import type { Outbox } from '../../storage/outbox.js';
import { FINAL_STATUSES, type TaskQueue } from '../../storage/queue.js';
import type { EventBus } from './events.js';

/**
 * Resolves waiters once a task has ended and every reply it queued was delivered or given up on.
 * Checks only when something relevant happens (an event), never on a timer.
 */
export class AnswerTracker {
  private readonly waiters = new Map<number, Array<() => void>>();

  constructor(
    private readonly queue: TaskQueue,
    private readonly outbox: Outbox,
    bus: EventBus,
  ) {
    const check = (taskId: number | null) => {
      if (taskId !== null) this.check(taskId);
    };
    bus.on('task-finished', ({ taskId }) => check(taskId));
    bus.on('reply-sent', ({ taskId }) => check(taskId));
    bus.on('reply-failed', ({ taskId, willRetry }) => {
      if (!willRetry) check(taskId);
    });
  }

  isAnswered(taskId: number): boolean {
    const task = this.queue.get(taskId);
    if (!task) return true;
    if (!FINAL_STATUSES.includes(task.status)) return false;
    return this.outbox.forTask(taskId).every((row) => row.status === 'sent' || row.status === 'failed');
  }

  whenAnswered(taskId: number): Promise<void> {
    if (this.isAnswered(taskId)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(taskId) ?? [];
      list.push(resolve);
      this.waiters.set(taskId, list);
    });
  }

  private check(taskId: number): void {
    const list = this.waiters.get(taskId);
    if (!list || !this.isAnswered(taskId)) return;
    this.waiters.delete(taskId);
    for (const resolve of list) resolve();
  }
}

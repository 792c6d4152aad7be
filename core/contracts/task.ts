import type { TaskRecord } from '../../storage/queue.js';
import type { Actor } from '../access.js';
import type { Address, InboundMessage, Reply } from './messages.js';

/**
 * What a handler whose work outlives pie-brain (a detached cloud run) tells the engine about it. A command's
 * context carries them when it runs inside a task.
 */
export interface TaskControls {
  /** Move the task's deadline to `ms` from now: work with its own, longer limit (a cloud run) sets it. */
  extendDeadline(ms: number): void;
  /**
   * This claim only picked up work an earlier claim started (a detached run that survived a restart, or its
   * result): its attempt is given back, so restarts during one long run do not use up `queue.maxAttempts`.
   */
  refundAttempt(): void;
  /**
   * `work` goes on outside this process until it settles. A shutdown meanwhile does not wait for it nor abort
   * the signal: the promise this returns rejects at once and the task is released with its attempt refunded;
   * the next start picks the work up again.
   */
  detached<T>(work: Promise<T>): Promise<T>;
}

/** What a task handler gets: the task, who asked, and a signal that aborts on cancel, timeout or shutdown. */
export interface TaskContext extends TaskControls {
  task: TaskRecord;
  message: InboundMessage;
  address: Address;
  /** Who asked, with their privileges (admins hold all). */
  actor: Actor;
  isAdmin: boolean;
  signal: AbortSignal;
  /** Mark the task as executing a tool and merge metadata into it (routing -> executing). */
  advance(fields: { toolName?: string; metadata?: Record<string, unknown> }): void;
  /** Append a step to the task's trace. */
  trace(
    type: string,
    detail?: { durationMs?: number; tokensIn?: number; tokensOut?: number; costUsd?: number; data?: Record<string, unknown> },
  ): void;
  /** Send a message to the thread before the final reply. */
  progress(reply: Reply): void;
}

export type TaskHandler = (ctx: TaskContext) => Promise<Reply>;

/** Where a task's replies go: the thread it came from, quoting the message. */
export function addressOf(task: TaskRecord): Address {
  return {
    platform: task.platform,
    chatId: task.chatId,
    ...(task.threadId ? { threadId: task.threadId } : {}),
    ...(task.replyTo ? { replyTo: task.replyTo } : {}),
  };
}

import type { OutboxItem } from './outbox.js';

export type TaskStatus = 'pending' | 'routing' | 'executing' | 'done' | 'failed' | 'dead' | 'cancelled';
export const RUNNING_STATUSES: readonly TaskStatus[] = ['routing', 'executing'];
export const FINAL_STATUSES: readonly TaskStatus[] = ['done', 'failed', 'dead', 'cancelled'];

/** What intake stores for a new task. */
export interface NewTask {
  platform: string;
  chatId: string;
  threadId?: string | undefined;
  replyTo?: string | undefined;
  userId: string;
  userName: string;
  platformMessageId: string;
  text: string;
  /** The whole normalised message, JSON-serialisable. */
  message: unknown;
}

export interface TaskRecord {
  id: number;
  requestText: string;
  status: TaskStatus;
  toolName: string | null;
  metadata: Record<string, unknown>;
  platform: string;
  chatId: string;
  threadId: string | null;
  replyTo: string | null;
  userId: string;
  userName: string;
  platformMessageId: string;
  message: unknown;
  attempts: number;
  leaseUntil: number | null;
  leaseOwner: string | null;
  notBefore: number;
  createdAt: number;
  updatedAt: number;
  error: string | null;
}

export interface TaskEvent {
  taskId: number;
  at: number;
  type: string;
  durationMs?: number | null;
  tokensIn?: number | null;
  tokensOut?: number | null;
  costUsd?: number | null;
  data?: Record<string, unknown> | null;
}

export interface TaskOutcome {
  status: 'done' | 'failed' | 'cancelled';
  /** The reply, written to the outbox in the same transaction. */
  reply?: Omit<OutboxItem, 'taskId'>;
  error?: string;
  toolName?: string;
}

export interface QueueStats {
  pending: number;
  running: number;
  oldestPendingAt: number | null;
}

/** The durable task queue. SQLite is the embedded default; a server engine can implement the same. */
export interface TaskQueue {
  /** Idempotent: the same (platform, platform message id) twice is one task. */
  enqueue(task: NewTask, now: number): { taskId: number; created: boolean };
  /** Atomically take the oldest due pending task with a lease. */
  claim(owner: string, now: number, leaseMs: number): TaskRecord | undefined;
  renewLease(taskId: number, owner: string, leaseUntil: number, now: number): boolean;
  /** Move a leased task forward (routing -> executing) and merge metadata. */
  advance(taskId: number, owner: string, fields: { toolName?: string; metadata?: Record<string, unknown> }, now: number): boolean;
  /** Finish a leased task and queue its reply in one transaction. False when the lease was lost. */
  complete(taskId: number, owner: string, outcome: TaskOutcome, now: number): boolean;
  /**
   * Give a leased task back to run again no sooner than `notBefore`. `refund` gives the attempt back
   * (a shutdown is not the task's fault).
   */
  release(taskId: number, owner: string, notBefore: number, error: string, now: number, refund?: boolean): boolean;
  /**
   * Give back the attempt of a leased task's current claim (the claim only picked up work that survived a
   * restart, such as a detached run). False when the lease was lost.
   */
  refundAttempt(taskId: number, owner: string, now: number): boolean;
  /**
   * Tasks whose lease ran out: back to pending, or dead (with the reply from `deadReply`) once
   * they used `maxAttempts`. Returns what it did.
   */
  reapExpired(
    now: number,
    maxAttempts: number,
    deadReply: (task: TaskRecord) => Omit<OutboxItem, 'taskId'>,
  ): {
    requeued: number[];
    dead: number[];
  };
  /** Expire the leases of every other owner (a single-instance start after a crash). */
  expireForeignLeases(owner: string, now: number): number;
  /** Cancel a pending task at once; report whether it is running or already finished otherwise. */
  cancel(taskId: number, now: number, reply: Omit<OutboxItem, 'taskId'>): 'cancelled' | 'running' | 'finished' | 'not-found';
  get(taskId: number): TaskRecord | undefined;
  record(event: TaskEvent): void;
  events(taskId: number): TaskEvent[];
  /** The earliest moment something becomes due (a retry or an expiring lease), for the engine's timer. */
  nextWakeAt(): number | undefined;
  stats(): QueueStats;
  recent(chat: { platform: string; chatId: string; threadId?: string | undefined }, limit: number, beforeId?: number): TaskRecord[];
}

import type { OutboxItem } from '../../storage/outbox.js';
import type { TaskQueue, TaskRecord } from '../../storage/queue.js';
import type { AccessPolicy } from '../access.js';
import type { Address, InboundMessage, Reply } from '../contracts/messages.js';
import { addressOf, type TaskContext, type TaskHandler } from '../contracts/task.js';
import { describeForUser, isPieBrainError, PieBrainError } from '../errors.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { raceAbort } from '../lib/race-abort.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './events.js';

export interface EngineOptions {
  queue: TaskQueue;
  policy: AccessPolicy;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  handler: TaskHandler;
  /** Identifies this process's leases. */
  owner: string;
  maxConcurrentTasks: number;
  maxAttempts: number;
  leaseMs: number;
  retryBaseMs: number;
  taskTimeoutMs: number;
  /** Called when a task starts (adapters show a typing indicator). */
  onTaskStarted?(address: Address): void;
  /** Queue a progress message (kept outside so the engine never writes the outbox itself). */
  queueProgress(item: OutboxItem): void;
}

// Node fires a longer timer at once (after a TimeoutOverflowWarning).
const MAX_TIMER_MS = 2 ** 31 - 1;

type StopReason = 'cancel' | 'timeout' | 'shutdown' | 'lease-lost';

interface RunningTask {
  controller: AbortController;
  reason?: StopReason;
  done: Promise<void>;
  /** The work in progress outside this process (TaskControls.detached): let go of at shutdown. */
  detached: Set<(error: Error) => void>;
}

/** The reply of a task that failed for good (a replay builds the same one). */
export function failureReply(taskId: number, error: unknown): Reply {
  return { text: `Sorry, task ${taskId} failed: ${describeForUser(error)}` };
}

function messageOf(task: TaskRecord): InboundMessage {
  const stored = task.message as Partial<InboundMessage>;
  return {
    id: task.platformMessageId,
    address: addressOf(task),
    user: { id: task.userId, name: task.userName },
    text: task.requestText,
    receivedAt: task.createdAt,
    ...(stored.command ? { command: stored.command } : {}),
  };
}

/**
 * The worker loop: claims tasks with a lease, runs the handler, and completes each task together with
 * its reply. It sleeps until intake wakes it or a timer (a retry, an expiring lease) is due: no polling.
 */
export class Engine {
  private readonly running = new Map<number, RunningTask>();
  private timer: TimerHandle | undefined;
  private pumping = false;
  private pumpAgain = false;
  private stopping = false;
  private started = false;

  constructor(private readonly options: EngineOptions) {}

  get activeTasks(): number {
    return this.running.size;
  }

  /** Take back the leases a previous (crashed) run of this data dir left, then start working. */
  start(): void {
    this.started = true;
    const { queue, clock, owner } = this.options;
    const expired = queue.expireForeignLeases(owner, clock.now());
    if (expired) this.options.logger.info({ tasks: expired }, 'taking over tasks interrupted by the last shutdown');
    this.wake();
  }

  wake(): void {
    if (!this.started || this.stopping) return;
    queueMicrotask(() => this.pump());
  }

  /** Ask a task to stop. Pending tasks are cancelled at once; running ones are aborted. */
  cancel(taskId: number): 'cancelled' | 'running' | 'finished' | 'not-found' {
    const task = this.options.queue.get(taskId);
    if (!task) return 'not-found';
    const result = this.options.queue.cancel(taskId, this.options.clock.now(), {
      address: addressOf(task),
      body: { text: `Task ${taskId} was cancelled before it started.` } satisfies Reply,
    });
    const run = this.running.get(taskId);
    if (result === 'running' && run) {
      run.reason = 'cancel';
      run.controller.abort(new PieBrainError('TASK_CANCELLED', `Task ${taskId} was cancelled.`));
    }
    return result;
  }

  /**
   * Stop taking work; give running tasks `graceMs` to finish, then release their leases. Tasks whose work goes
   * on without this process (detached) are released at once.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    for (const run of this.running.values()) this.letGo(run);
    const all = [...this.running.values()].map((run) => run.done);
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(all), grace]);
    clearTimeout(graceTimer);
    for (const run of this.running.values()) {
      run.reason = 'shutdown';
      run.controller.abort(new PieBrainError('TASK_CANCELLED', 'pie-brain is shutting down'));
    }
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  /** Release a task whose work is detached: its handler hears of the shutdown, the work itself is not touched. */
  private letGo(run: RunningTask): void {
    if (!run.detached.size) return;
    run.reason ??= 'shutdown';
    const error = new PieBrainError('TASK_CANCELLED', 'pie-brain is shutting down; the detached work goes on');
    for (const reject of run.detached) reject(error);
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.reap();
        while (!this.stopping && this.running.size < this.options.maxConcurrentTasks) {
          const task = this.options.queue.claim(this.options.owner, this.options.clock.now(), this.options.leaseMs);
          if (!task) break;
          this.launch(task);
        }
      } while (this.pumpAgain && !this.stopping);
    } catch (error) {
      this.options.logger.error({ err: error }, 'engine loop failed; retrying in a second');
      this.arm(this.options.clock.now() + 1000);
      return;
    } finally {
      this.pumping = false;
    }
    this.arm(this.options.queue.nextWakeAt());
  }

  private reap(): void {
    const { queue, clock, maxAttempts } = this.options;
    const { dead } = queue.reapExpired(clock.now(), maxAttempts, (task) => ({
      address: addressOf(task),
      body: {
        text: `Sorry, I could not finish task ${task.id}: it was interrupted ${task.attempts} times, so I gave up on it. Send it again if you still need it.`,
      } satisfies Reply,
    }));
    for (const taskId of dead) this.options.bus.emit('task-finished', { taskId, status: 'dead', durationMs: 0 });
  }

  private arm(at: number | undefined): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (at === undefined || this.stopping) return;
    this.timer = this.options.clock.setTimeout(() => this.pump(), at - this.options.clock.now() + 1);
    this.timer.unref?.();
  }

  private launch(task: TaskRecord): void {
    const controller = new AbortController();
    const entry: RunningTask = { controller, done: Promise.resolve(), detached: new Set() };
    this.running.set(task.id, entry);
    entry.done = this.execute(task, entry).finally(() => {
      this.running.delete(task.id);
      this.wake();
    });
  }

  private async execute(task: TaskRecord, run: RunningTask): Promise<void> {
    const { queue, clock, bus, owner } = this.options;
    const started = clock.now();
    bus.emit('task-claimed', { taskId: task.id, attempt: task.attempts });
    const address = addressOf(task);
    const message = messageOf(task);
    const stopWith = (reason: StopReason, error: PieBrainError) => {
      run.reason ??= reason;
      run.controller.abort(error);
    };
    const renewEvery = Math.max(50, Math.floor(this.options.leaseMs / 3));
    let renewTimer: TimerHandle | undefined;
    const renew = () => {
      if (!queue.renewLease(task.id, owner, clock.now() + this.options.leaseMs, clock.now())) {
        stopWith('lease-lost', new PieBrainError('TASK_CANCELLED', 'lease lost'));
        return;
      }
      renewTimer = clock.setTimeout(renew, renewEvery);
      renewTimer.unref?.();
    };
    renewTimer = clock.setTimeout(renew, renewEvery);
    renewTimer.unref?.();
    let timeout: TimerHandle | undefined;
    const setDeadline = (ms: number) => {
      if (timeout) clock.clearTimeout(timeout);
      const limitS = Math.round((clock.now() + ms - started) / 1000);
      timeout = clock.setTimeout(
        () => stopWith('timeout', new PieBrainError('TIMEOUT', `Task ${task.id} took longer than ${limitS} s and was stopped.`)),
        Math.min(ms, MAX_TIMER_MS),
      );
      timeout.unref?.();
    };
    setDeadline(this.options.taskTimeoutMs);
    let refunded = false;
    this.options.onTaskStarted?.(address);

    const actor = this.options.policy.actor(task.platform, task.userId);
    const ctx: TaskContext = {
      task,
      message,
      address,
      actor,
      isAdmin: actor.isAdmin,
      signal: run.controller.signal,
      advance: (fields) => {
        queue.advance(task.id, owner, fields, clock.now());
      },
      trace: (type, detail = {}) => queue.record({ taskId: task.id, at: clock.now(), type, ...detail }),
      progress: (reply) => {
        this.options.queueProgress({ taskId: task.id, address, body: reply, kind: 'progress' });
      },
      extendDeadline: (ms) => {
        if (!run.controller.signal.aborted) setDeadline(ms);
      },
      refundAttempt: () => {
        if (refunded) return;
        refunded = queue.refundAttempt(task.id, owner, clock.now());
        if (refunded) task.attempts -= 1;
      },
      detached: (work) =>
        new Promise((resolve, reject) => {
          run.detached.add(reject);
          work.then(resolve, reject).finally(() => run.detached.delete(reject));
          if (this.stopping) this.letGo(run);
        }),
    };

    try {
      // A handler that ignores its signal must not hold the task forever.
      const reply = await raceAbort(this.options.handler(ctx), run.controller.signal);
      this.finish(task, 'done', reply, undefined, started);
    } catch (error) {
      this.fail(task, run.reason, error, started);
    } finally {
      if (renewTimer) clock.clearTimeout(renewTimer);
      if (timeout) clock.clearTimeout(timeout);
    }
  }

  private fail(task: TaskRecord, reason: StopReason | undefined, error: unknown, started: number): void {
    const { queue, clock, bus, logger, owner } = this.options;
    const now = clock.now();
    if (reason === 'shutdown') {
      queue.release(task.id, owner, now, 'interrupted by shutdown', now, true);
      return;
    }
    if (reason === 'lease-lost') {
      logger.warn({ taskId: task.id }, 'lost the lease of a task; another worker owns it now');
      return;
    }
    if (reason === 'cancel') {
      this.finish(task, 'cancelled', { text: `Task ${task.id} was cancelled.` }, 'cancelled', started);
      return;
    }
    const code = isPieBrainError(error) ? error.code : 'INTERNAL';
    if (isPieBrainError(error) && error.retryable && reason !== 'timeout' && task.attempts < this.options.maxAttempts) {
      const backoff = this.options.retryBaseMs * 2 ** (task.attempts - 1);
      const delayMs = Math.max(error.retryAfterMs ?? 0, backoff);
      queue.release(task.id, owner, now + delayMs, `${code}: ${error.message}`, now);
      bus.emit('task-retried', { taskId: task.id, attempt: task.attempts, code, delayMs });
      logger.warn({ taskId: task.id, code, delayMs }, 'task failed; it will run again');
      return;
    }
    if (code === 'INTERNAL') logger.error({ err: error, taskId: task.id }, 'task failed');
    else logger.warn({ taskId: task.id, code, msg: (error as Error).message }, 'task failed');
    this.finish(task, 'failed', failureReply(task.id, error), `${code}: ${(error as Error)?.message ?? String(error)}`, started);
  }

  private finish(
    task: TaskRecord,
    status: 'done' | 'failed' | 'cancelled',
    reply: Reply,
    error: string | undefined,
    started: number,
  ): void {
    const { queue, clock, bus, owner } = this.options;
    const ok = queue.complete(
      task.id,
      owner,
      { status, reply: { address: addressOf(task), body: reply }, ...(error ? { error } : {}) },
      clock.now(),
    );
    if (!ok) return;
    bus.emit('task-finished', { taskId: task.id, status, durationMs: clock.now() - started });
  }
}

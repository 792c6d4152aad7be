import type { ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { type BrainRunOutcome, type BrainRunRecord, BrainRunStore } from '../../storage/brain-runs.js';
import type { Db } from '../../storage/db.js';
import type { Ledger } from '../../storage/ledger.js';
import type { Outbox } from '../../storage/outbox.js';
import { FINAL_STATUSES, type TaskQueue } from '../../storage/queue.js';
import { type Actor, type Privilege, requirePrivileges, userKey } from '../access.js';
import type { Config, Env, Paths } from '../config.js';
import type { Brain } from '../contracts/brain.js';
import type { HandoffHandler, HandoffRequest } from '../contracts/handoff.js';
import type { Address, Reply } from '../contracts/messages.js';
import type { RepoWorkflow } from '../contracts/repo-workflow.js';
import type { SpendGate } from '../contracts/spend.js';
import { addressOf, type TaskControls } from '../contracts/task.js';
import type { EventBus } from '../engine/events.js';
import { type MessageEditor, ProgressMessage } from '../engine/progress.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { formatDuration, formatUsd } from '../lib/format.js';
import type { Semaphore } from '../lib/semaphore.js';
import type { Logger } from '../logger.js';
import type { BrainRegistry } from './brain-registry.js';
import { answerLate, answerRun, type RunAnswerDeps } from './run-answer.js';
import { RunBook } from './run-book.js';
import { type LaunchDeps, launchRun, type RunOwner } from './run-launcher.js';
import { recoverStartingRun } from './run-recovery.js';
import { allUnavailableError } from './run-reply.js';
import { RunSession } from './run-session.js';
import { type RunTarget, resolveRunTarget } from './run-target.js';

export interface HandoffHarnessOptions {
  config: Config;
  paths: Paths;
  logger: Logger;
  clock: Clock;
  db: Db;
  queue: TaskQueue;
  outbox: Outbox;
  ledger: Ledger;
  bus: EventBus;
  /** runtime.limits.cloud: one cloud run at a time, FIFO. */
  cloud: Semaphore;
  /** This process's lease owner: an abort after the lease went elsewhere is not a cancel. */
  owner: string;
  brains: BrainRegistry;
  spend: SpendGate;
  git?: RepoWorkflow;
  /** The environment children start from. */
  env: Env;
  /** Progress edits go out through delivery. */
  delivery: MessageEditor;
  tickMs?: number;
  finalGraceMs?: number;
  killGraceMs?: number;
}

/**
 * What the harness needs of a task: a TaskContext, or a command's context (for /handoff). The controls are
 * there inside the engine: a run's own time limit, no attempt used by a re-attach, a quick release at shutdown.
 */
export interface HandoffContext extends Partial<TaskControls> {
  task: { id: number };
  address: Address;
  /** Who asked: a run is started only for a user who holds what it does. */
  actor: Actor;
  signal: AbortSignal;
}

/**
 * What a run does, so what its user must hold: it spends money; a coding brain runs code and edits files in
 * its working directory; a run in a configured repository changes that repository (commit, push, PR).
 */
export function runPrivileges(brain: Pick<Brain, 'coding'>, target: RunTarget): Privilege[] {
  return ['spend', ...(brain.coding ? (['runCode'] as const) : []), ...(target.repo ? (['changeRepo'] as const) : [])];
}

interface Watch {
  session: RunSession;
  finished: Promise<BrainRunRecord>;
  done: boolean;
  /** Stops the run at brains.runTimeoutMinutes. */
  limit?: TimerHandle;
}

export function threadKeyOf(address: Address): string {
  return [address.platform, address.chatId, address.threadId ?? ''].join('\u0000');
}

const HOW_IT_ENDED: Partial<Record<BrainRunOutcome, string>> = {
  ok: 'finished',
  cancelled: 'was stopped',
  timeout: 'was stopped at its time limit',
  capped: 'was stopped at what it may spend',
};

/**
 * The handoff harness. It never calls a cloud tool itself: it asks the brain for a command, starts it detached
 * (own process group, output to files under $PIE_BRAIN_HOME/runs/<task>/, pid in SQLite) and watches it. It is
 * idempotent per task: when the engine runs a task again after a restart, the task's run is found and
 * re-attached (or, if it ended meanwhile, read from its files) instead of started twice.
 */
export class HandoffHarness {
  readonly handler: HandoffHandler = (request, ctx) => this.handle(request, ctx);
  private readonly store: BrainRunStore;
  private readonly book: RunBook;
  private readonly answers: RunAnswerDeps;
  private readonly watches = new Map<number, Watch>();
  private stopping = false;

  private readonly launchDeps: LaunchDeps;

  constructor(private readonly options: HandoffHarnessOptions) {
    const { config, paths, clock, logger, ledger, queue, bus, outbox, spend, git, env } = options;
    const store = new BrainRunStore(options.db);
    this.store = store;
    this.book = new RunBook({ store, ledger, queue, bus, clock, logger, spend });
    this.answers = { config, paths, clock, logger, store, outbox, git };
    this.launchDeps = { config, paths, clock, spend, git, env, store, book: this.book, bus, queue };
  }

  /**
   * At start-up, before the engine: runs still alive are watched again and hold the cloud slot until they end;
   * runs that ended meanwhile are read from their files as soon as their task is claimed again.
   */
  start(): void {
    const { brains, cloud, clock, queue } = this.options;
    for (const open of this.store.open()) {
      const brain = brains.get(open.brain);
      const run = brain ? recoverStartingRun(open, this.store) : undefined;
      if (!brain || !run) {
        this.book.abandon(open, 'lost', brain ? 'pie-brain stopped while starting it, before it ran' : `the ${open.brain} brain is gone`);
        continue;
      }
      const watch = this.watch(run, brain, undefined);
      void cloud
        .acquire()
        .then((release) => watch.finished.finally(release))
        .catch(() => {});
      const task = queue.get(run.taskId);
      // Cancelled or failed while pie-brain was down: the run has nobody to answer and stops.
      if (task?.status === 'cancelled' || task?.status === 'failed') void watch.session.kill();
      else if (!task || FINAL_STATUSES.includes(task.status)) {
        watch.finished.then((ended) => answerLate(this.answers, ended, this.addressOfTask(ended))).catch(() => {});
      }
      this.options.logger.info({ runId: run.id, taskId: run.taskId, pid: run.pid, at: clock.now() }, 'watching a brain run again');
    }
  }

  /** Stop watching (runs go on; the next start finds them). */
  stop(): void {
    this.stopping = true;
    for (const watch of this.watches.values()) this.detach(watch);
  }

  private detach(watch: Watch): void {
    watch.session.detach();
    if (watch.limit) this.options.clock.clearTimeout(watch.limit);
  }

  /** How long one run may take (brains.runTimeoutMinutes). */
  private get runLimitMs(): number {
    return this.options.config.brains.runTimeoutMinutes * 60_000;
  }

  /** The ordinary task limit (engine.taskTimeoutSeconds), for what a task does around its run. */
  private get taskLimitMs(): number {
    return this.options.config.engine.taskTimeoutSeconds * 1000;
  }

  /** The HandoffHandler: start (or find again) the task's run, fail over when a brain is unavailable, answer. */
  async handle(request: HandoffRequest, ctx: HandoffContext): Promise<Reply> {
    let slot: (() => void) | undefined;
    let active: Watch | undefined;
    try {
      let finished = await this.resume(ctx);
      let target: RunTarget | undefined;
      while (!finished || finished.outcome === 'unavailable' || finished.outcome === 'lost') {
        target ??= resolveRunTarget(request, this.options.config, this.options.paths);
        // Refused before taking a place in line where the target alone says so; the brain's part after.
        requirePrivileges(
          ctx.actor,
          runPrivileges({ coding: false }, target),
          target.repo ? `a cloud run in ${target.repo}` : 'a cloud run',
        );
        slot ??= await this.waitForSlot(ctx);
        const brain = await this.nextBrain(ctx, target);
        if (!brain) throw allUnavailableError(this.store.forTask(ctx.task.id));
        requirePrivileges(
          ctx.actor,
          runPrivileges(brain, target),
          target.repo ? `a ${brain.name} run in ${target.repo}` : `a ${brain.name} run`,
        );
        active = await this.launch(brain, request, target, ctx);
        finished = active ? await this.follow(active, ctx) : undefined;
      }
      return await answerRun(this.answers, finished, request, { runLimitMs: this.runLimitMs });
    } finally {
      // A run that goes on (shutdown, lost lease) keeps the slot until it ends.
      if (slot && active && !active.done) void active.finished.finally(slot).catch(() => {});
      else slot?.();
    }
  }

  /** The run an earlier attempt of this task started: joined while it runs, read once it ended. */
  private async resume(ctx: HandoffContext): Promise<BrainRunRecord | undefined> {
    const last = this.store.forTask(ctx.task.id).at(-1);
    if (!last) return undefined;
    // Picking up a run that survived a restart (or its answer) is no new attempt of the task.
    if (last.status === 'ended') {
      this.book.settle(last);
      if (last.outcome !== 'unavailable' && last.outcome !== 'lost') ctx.refundAttempt?.();
      return last;
    }
    const watching = this.watches.get(last.id);
    if (watching) {
      ctx.refundAttempt?.();
      return this.follow(watching, ctx);
    }
    const brain = this.options.brains.get(last.brain);
    const run = brain ? recoverStartingRun(last, this.store) : undefined;
    if (!brain || !run) {
      this.book.abandon(last, 'lost', 'its start was interrupted');
      return this.store.get(last.id);
    }
    ctx.refundAttempt?.();
    return this.follow(this.watch(run, brain, undefined), ctx);
  }

  /** Take a place in the cloud line; when others are ahead, say where this task stands. */
  private waitForSlot(ctx: HandoffContext): Promise<() => void> {
    const { cloud, outbox, clock } = this.options;
    if (cloud.inUse >= cloud.size) {
      const place = cloud.waiting + 1;
      const text = `One cloud run at a time: task ${ctx.task.id} is number ${place} in line and starts by itself when the run${place > 1 ? 's' : ''} ahead of it finish${place > 1 ? '' : 'es'}. \`/cancel ${ctx.task.id}\` takes it out.`;
      outbox.add(
        { taskId: ctx.task.id, address: ctx.address, kind: 'progress', dedupeKey: `brain-queue:${ctx.task.id}`, body: { text } },
        clock.now(),
      );
    }
    // Each run ahead may take its own limit and a little more: waiting for them is no reason to give up.
    ctx.extendDeadline?.((cloud.inUse + cloud.waiting) * (this.runLimitMs + this.taskLimitMs) + this.taskLimitMs);
    return cloud.acquire(ctx.signal);
  }

  /** The first candidate not yet found unavailable for this task; skipped ones get a row that says why. */
  private async nextBrain(ctx: HandoffContext, target: RunTarget): Promise<Brain | undefined> {
    const { brains } = this.options;
    for (;;) {
      const runs = this.store.forTask(ctx.task.id);
      const tried = new Set(runs.filter((run) => run.outcome === 'unavailable').map((run) => run.brain));
      const brain = brains.candidates().find((candidate) => !tried.has(candidate.name));
      if (!brain) return undefined;
      const detection = await brains.detect(brain.name);
      if (detection.available) return brain;
      this.book.skip(
        {
          taskId: ctx.task.id,
          seq: runs.length + 1,
          brain: brain.name,
          cwd: target.cwd,
          runDir: '',
          threadKey: threadKeyOf(ctx.address),
          userId: this.ownerOf(ctx).userId,
        },
        detection.detail,
      );
    }
  }

  /** Start the brain's run (budget, repository, detached process) and watch it; undefined when it is not installed. */
  private async launch(brain: Brain, request: HandoffRequest, target: RunTarget, ctx: HandoffContext): Promise<Watch | undefined> {
    const started = await launchRun(this.launchDeps, brain, request, target, this.ownerOf(ctx));
    if (!started) {
      this.options.brains.forget(brain.name);
      return undefined;
    }
    return this.watch(started.run, brain, started.child, started.resumed);
  }

  /** Follow a run: progress in the thread while it works, its result read and settled when it ends. */
  private watch(run: BrainRunRecord, brain: Brain, child: ChildProcess | undefined, resumed = false): Watch {
    const { config, clock, logger } = this.options;
    const address = this.addressOfTask(run);
    const message = new ProgressMessage({
      outbox: this.options.outbox,
      taskId: run.taskId,
      address,
      dedupeKey: `brain-progress:${run.id}`,
      clock,
      logger,
      intervalMs: config.brains.progressIntervalSeconds * 1000,
      delivery: this.options.delivery,
    });
    const where = run.repo ?? basename(run.cwd);
    const how = message.editable ? 'This message shows its progress.' : 'I will answer here when it is done.';
    const session = new RunSession({
      run,
      brain,
      ...(child ? { child } : {}),
      clock,
      logger,
      message,
      startText: `Started ${brain.name} on task ${run.taskId} in \`${where}\`${resumed ? ', continuing this thread’s session' : ''}. ${how} \`/cancel ${run.taskId}\` stops it.`,
      tickMs: this.options.tickMs ?? 1000,
      finalGraceMs: this.options.finalGraceMs ?? 10_000,
      killGraceMs: this.options.killGraceMs ?? 5000,
      allowance: () => this.book.allowance(run),
      tailBytes: config.brains.maxOutputMb * 1024 * 1024,
    });
    const watch: Watch = { session, done: false, finished: Promise.resolve(run) };
    watch.finished = session.ended
      .then((end) => {
        const ended = this.book.conclude(run, brain, end, session.progress, session.stopped, session.capReached);
        if (ended.outcome === 'unavailable') this.options.brains.forget(brain.name);
        const how = HOW_IT_ENDED[ended.outcome ?? 'error'] ?? 'ended without an answer';
        const took = formatDuration((ended.endedAt ?? clock.now()) - ended.startedAt);
        void message.update(`${brain.name} ${how} after ${took} (${formatUsd(ended.costUsd ?? 0)}).`, true);
        return ended;
      })
      .finally(() => {
        watch.done = true;
        if (watch.limit) clock.clearTimeout(watch.limit);
        this.watches.delete(run.id);
      });
    watch.finished.catch((error: unknown) => logger.error({ err: error, runId: run.id }, 'a brain run could not be concluded'));
    this.watches.set(run.id, watch);
    session.start();
    // The run's own limit counts from its start, across restarts of pie-brain.
    watch.limit = clock.setTimeout(() => void this.expire(watch), run.startedAt + this.runLimitMs - clock.now());
    watch.limit.unref?.();
    if (this.stopping) this.detach(watch);
    return watch;
  }

  /** A run past brains.runTimeoutMinutes: its whole process group is stopped; the task's answer says so. */
  private async expire(watch: Watch): Promise<void> {
    if (watch.done || this.stopping) return;
    const { run } = watch.session;
    this.options.logger.warn({ runId: run.id, taskId: run.taskId, pid: run.pid }, 'a brain run reached its time limit; stopping it');
    await watch.session.kill('timeout');
  }

  /**
   * Wait for a watched run; a cancel (or the task's timeout) stops its whole process group. The run has its own
   * limit, so the task's deadline moves past it; and the wait is detached work: a shutdown lets go of it.
   */
  private follow(watch: Watch, ctx: HandoffContext): Promise<BrainRunRecord> {
    ctx.extendDeadline?.(watch.session.run.startedAt + this.runLimitMs - this.options.clock.now() + this.taskLimitMs);
    const following = new Promise<BrainRunRecord>((resolve, reject) => {
      const onAbort = () => {
        void this.interrupt(watch, ctx).finally(() => reject(ctx.signal.reason));
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
      watch.finished.then(resolve, reject).finally(() => ctx.signal.removeEventListener('abort', onAbort));
    });
    return ctx.detached ? ctx.detached(following) : following;
  }

  private async interrupt(watch: Watch, ctx: HandoffContext): Promise<void> {
    if (this.stopping || watch.done) return;
    const lease = this.options.queue.get(ctx.task.id)?.leaseOwner;
    if (lease && lease !== this.options.owner) return;
    const { run } = watch.session;
    await watch.session.kill();
    const ended = await watch.finished.catch(() => undefined);
    const spent = ended?.costUsd != null ? `, after spending ${formatUsd(ended.costUsd)}` : '';
    const text = `Stopped ${run.brain} for task ${run.taskId}: its whole process group (pid ${run.pid}) was ended after ${formatDuration(this.options.clock.now() - run.startedAt)}${spent}.`;
    this.options.outbox.add(
      { taskId: run.taskId, address: ctx.address, kind: 'progress', dedupeKey: `brain-stopped:${run.id}`, body: { text } },
      this.options.clock.now(),
    );
  }

  /** Who asked, and where: the run's thread and user (a session is continued only for them). */
  private ownerOf(ctx: HandoffContext): RunOwner {
    const { actor } = ctx;
    return {
      taskId: ctx.task.id,
      threadKey: threadKeyOf(ctx.address),
      userId: actor.userId,
      ...(actor.budgetShare !== null ? { spendShare: { key: userKey(actor), share: actor.budgetShare } } : {}),
      signal: ctx.signal,
    };
  }

  private addressOfTask(run: BrainRunRecord): Address {
    const task = this.options.queue.get(run.taskId);
    if (task) return addressOf(task);
    const [platform = '', chatId = '', threadId = ''] = run.threadKey.split('\u0000');
    return { platform, chatId, ...(threadId ? { threadId } : {}) };
  }
}

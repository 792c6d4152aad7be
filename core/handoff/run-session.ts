import type { ChildProcess } from 'node:child_process';
import type { BrainRunRecord } from '../../storage/brain-runs.js';
import type { Brain } from '../contracts/brain.js';
import type { SpendAllowance } from '../contracts/spend.js';
import type { ProgressMessage } from '../engine/progress.js';
import { type Clock, sleep } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import { runFiles, signalGroup } from './process-group.js';
import { type RunEnd, RunFollower } from './run-follower.js';
import { RunProgress } from './run-progress.js';

export interface RunSessionOptions {
  run: BrainRunRecord;
  brain: Brain;
  /** Present when this process started the run. */
  child?: ChildProcess;
  clock: Clock;
  logger: Logger;
  message: ProgressMessage;
  /** The progress message's first text. */
  startText: string;
  tickMs: number;
  finalGraceMs: number;
  /** After SIGTERM, how long the group has before SIGKILL. */
  killGraceMs: number;
  /** What the run may cost in all now (its reservation's allowance): asked whenever its cost so far moves. */
  allowance(): SpendAllowance;
  /** How much of stdout's end parseResult gets. */
  tailBytes: number;
}

export type StopReason = 'cancelled' | 'timeout' | 'capped';

/** The cost a run had reached when it was stopped at its allowance. */
export interface CapReached {
  costUsd: number;
  estimated: boolean;
  allowance: SpendAllowance;
}

const EPSILON = 1e-9;

/**
 * One run being watched: its output followed, its progress shown, its cost so far held to its allowance (the
 * run's cap, or less when the budget left is smaller), and a way to stop its whole process group.
 */
export class RunSession {
  readonly progress: RunProgress;
  readonly ended: Promise<RunEnd>;
  /** Why this process stopped the run, if it did. */
  stopped: StopReason | undefined;
  /** Set when the run was stopped at its allowance. */
  capReached: CapReached | undefined;
  private readonly follower: RunFollower;
  private final = false;
  private meteredUsd: number | undefined;

  constructor(private readonly options: RunSessionOptions) {
    const { run, brain, clock } = options;
    this.progress = new RunProgress(brain.estimateCostUsd ? (usage, model) => brain.estimateCostUsd?.(usage, model) : undefined);
    const files = runFiles(run.runDir);
    this.follower = new RunFollower({
      runDir: run.runDir,
      stdoutFile: files.stdout,
      stderrFile: files.stderr,
      pid: run.pid,
      bootId: run.bootId,
      procStart: run.procStart,
      ...(options.child ? { child: options.child } : {}),
      clock,
      tickMs: options.tickMs,
      finalGraceMs: options.finalGraceMs,
      tailBytes: options.tailBytes,
      onLine: (line) => this.read(line),
      onReadError: (error) => options.logger.warn({ err: error, runId: run.id }, 'the output of a brain run could not be read'),
      onTick: (ending) => {
        if (!ending) this.meter();
        if (this.progress.turns || this.progress.outputTokens || clock.now() - run.startedAt >= 60_000) {
          void options.message.update(this.describe());
        }
      },
    });
    this.ended = this.follower.done;
  }

  get run(): BrainRunRecord {
    return this.options.run;
  }

  start(): void {
    this.options.message.start(this.options.startText);
    this.follower.start();
  }

  /** "claude-code: working 3m, 12 turns, $0.14 so far". */
  describe(): string {
    return `${this.options.brain.name}: ${this.progress.describe(this.options.clock.now() - this.options.run.startedAt)}`;
  }

  /** Stop the run's whole process group (SIGTERM, then SIGKILL) and wait until it is gone. */
  async kill(why: StopReason = 'cancelled'): Promise<RunEnd> {
    this.stopped ??= why;
    const pid = this.options.run.pid;
    signalGroup(pid, 'SIGTERM');
    const grace = new AbortController();
    const ended = await Promise.race([
      this.ended,
      sleep(this.options.clock, this.options.killGraceMs, grace.signal).then(
        () => undefined,
        () => undefined,
      ),
    ]);
    grace.abort();
    if (ended) return ended;
    this.options.logger.warn({ runId: this.options.run.id, pid }, 'a brain run ignored SIGTERM; killing its process group');
    signalGroup(pid, 'SIGKILL');
    return this.ended;
  }

  /** Stop watching; the run goes on (pie-brain is shutting down and finds it again at start-up). */
  detach(): void {
    this.follower.stop();
  }

  /**
   * Compare the cost so far (reported, or estimated from usage) with what the run may cost; at that figure its
   * process group is stopped. The brain's own budget flag, where it has one, is only the first guard; aider's
   * cost lines are its only meter. After its final line the run is over anyway.
   */
  private meter(): void {
    if (this.stopped || this.final) return;
    const cost = this.progress.costSoFar();
    if (cost === undefined || cost === this.meteredUsd) return;
    this.meteredUsd = cost;
    const allowance = this.options.allowance();
    if (cost + EPSILON < allowance.usd) return;
    this.capReached = { costUsd: cost, estimated: this.progress.costEstimated, allowance };
    const { run, logger } = this.options;
    logger.warn(
      { runId: run.id, taskId: run.taskId, costUsd: cost, allowanceUsd: allowance.usd, limit: allowance.limit },
      'a brain run reached what it may spend; stopping it',
    );
    void this.kill('capped');
  }

  private read(line: string): boolean {
    try {
      const progress = this.options.brain.parseProgress(line);
      if (!progress) return false;
      this.progress.apply(progress);
      if (progress.final) this.final = true;
      return progress.final === true;
    } catch (error) {
      this.options.logger.debug({ err: error, brain: this.options.brain.name }, 'a progress line could not be read');
      return false;
    }
  }
}

import type { ChildProcess } from 'node:child_process';
import type { BrainRunRecord } from '../../storage/brain-runs.js';
import type { Brain } from '../contracts/brain.js';
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
}

/** One run being watched: its output followed, its progress shown, and a way to stop its whole process group. */
export class RunSession {
  readonly progress: RunProgress;
  readonly ended: Promise<RunEnd>;
  /** Why this process stopped the run, if it did. */
  stopped: 'cancelled' | 'timeout' | undefined;
  private readonly follower: RunFollower;

  constructor(private readonly options: RunSessionOptions) {
    const { run, brain, clock } = options;
    this.progress = new RunProgress(brain.estimateCostUsd ? (usage, model) => brain.estimateCostUsd?.(usage, model) : undefined);
    const files = runFiles(run.runDir);
    this.follower = new RunFollower({
      stdoutFile: files.stdout,
      stderrFile: files.stderr,
      pid: run.pid as number,
      bootId: run.bootId,
      procStart: run.procStart,
      ...(options.child ? { child: options.child } : {}),
      clock,
      tickMs: options.tickMs,
      finalGraceMs: options.finalGraceMs,
      onLine: (line) => this.read(line),
      onTick: () => {
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
  async kill(why: 'cancelled' | 'timeout' = 'cancelled'): Promise<RunEnd> {
    this.stopped ??= why;
    const pid = this.options.run.pid as number;
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

  private read(line: string): boolean {
    try {
      const progress = this.options.brain.parseProgress(line);
      if (!progress) return false;
      this.progress.apply(progress);
      return progress.final === true;
    } catch (error) {
      this.options.logger.debug({ err: error, brain: this.options.brain.name }, 'a progress line could not be read');
      return false;
    }
  }
}

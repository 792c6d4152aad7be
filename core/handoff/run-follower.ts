import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { readLogTail } from './capped-log.js';
import { LogFollower } from './log-follower.js';
import { isRunAlive, signalGroup } from './process-group.js';
import { exitCodeOf, readRunExit } from './run-files.js';

/** How a run ended, with the tail of its output. */
export interface RunEnd {
  exitCode: number | null;
  stdoutTail: string;
  stderrTail: string;
  endedAt: number;
}

export interface RunFollowerOptions {
  runDir: string;
  stdoutFile: string;
  stderrFile: string;
  /** null: the process was never seen (its files are all there is). */
  pid: number | null;
  bootId: string | null;
  procStart: string | null;
  /** Present when this process started the run: its 'exit' event is the end (and the exit code is known). */
  child?: ChildProcess;
  clock: Clock;
  /** How often new output is read and liveness checked while the run is active. */
  tickMs: number;
  /** After the final result line, how long the process may linger before its group is stopped. */
  finalGraceMs: number;
  /** How much of the end of stdout parseResult gets (the run's output cap: everything that was kept). */
  tailBytes: number;
  /** Called for each complete line; return true for the final result line. */
  onLine(line: string): boolean;
  /** Called after each read (progress updates); `ending` on the last one, once the run is gone. */
  onTick?(ending: boolean): void;
  /** The run's output could not be read this time (the next tick tries again; the run is not given up). */
  onReadError?(error: unknown): void;
}

const ERR_TAIL_BYTES = 64 * 1024;
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/**
 * Follows one detached run: reads its stdout file as it grows (a bounded tick while the run is active, nothing
 * once it ended) and settles `done` when the process is gone, whether this process is its parent or not.
 */
export class RunFollower {
  readonly done: Promise<RunEnd>;
  private resolveDone: (end: RunEnd) => void = () => {};
  private partial = '';
  private readonly output: LogFollower;
  private timer: TimerHandle | undefined;
  private finalAt: number | undefined;
  private exitCode: number | null = null;
  private exited = false;
  private finished = false;
  private stopped = false;
  private stoppedLingering = false;

  constructor(private readonly options: RunFollowerOptions) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.output = new LogFollower(options.stdoutFile, (text) => this.consume(text));
  }

  start(): void {
    const { child } = this.options;
    if (child) {
      child.once('exit', (code, signal) => {
        this.exitCode = exitCodeOf({ code, signal }, constants.signals);
        this.exited = true;
        this.finish();
      });
    }
    this.tick();
  }

  /** Stop watching without ending (pie-brain is shutting down; the run goes on). */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.output.close();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.finished || this.stopped) return;
    this.readOutput();
    this.options.onTick?.(false);
    const { pid, bootId, procStart, child, clock } = this.options;
    if (!child && !isRunAlive(pid, bootId, procStart)) {
      this.finish();
      return;
    }
    if (this.finalAt !== undefined) this.stopLingering(clock.now() - this.finalAt);
    // Not unref'd: watching a run is work, and pie-brain stays up for its answer.
    this.timer = clock.setTimeout(() => this.tick(), this.options.tickMs);
  }

  /** The answer is written; a process that lingers after it only holds memory. */
  private stopLingering(lingeringMs: number): void {
    const grace = this.options.finalGraceMs;
    if (lingeringMs >= grace && !this.stoppedLingering) {
      this.stoppedLingering = true;
      signalGroup(this.options.pid, 'SIGTERM');
    } else if (lingeringMs >= 2 * grace) {
      signalGroup(this.options.pid, 'SIGKILL');
    }
  }

  private readOutput(): void {
    try {
      this.output.read();
    } catch (error) {
      this.options.onReadError?.(error);
    }
  }

  private consume(text: string): void {
    let chunk = this.partial + text;
    let newline = chunk.indexOf('\n');
    while (newline >= 0) {
      this.line(chunk.slice(0, newline));
      chunk = chunk.slice(newline + 1);
      newline = chunk.indexOf('\n');
    }
    // A runaway line without an end must not grow without bound; parseResult reads the file's tail anyway.
    this.partial = chunk.length > MAX_LINE_CHARS ? '' : chunk;
  }

  private line(raw: string): void {
    const line = raw.trim();
    if (!line) return;
    if (this.options.onLine(line) && this.finalAt === undefined) this.finalAt = this.options.clock.now();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.readOutput();
    this.output.close();
    if (this.partial.trim()) this.line(this.partial);
    this.partial = '';
    this.options.onTick?.(true);
    // Not its parent: the capture process wrote down how the brain ended.
    const recorded = this.exited ? undefined : readRunExit(this.options.runDir);
    this.resolveDone({
      exitCode: this.exited ? this.exitCode : recorded ? exitCodeOf(recorded, constants.signals) : null,
      stdoutTail: readLogTail(this.options.stdoutFile, this.options.tailBytes),
      stderrTail: readLogTail(this.options.stderrFile, ERR_TAIL_BYTES),
      endedAt: this.options.clock.now(),
    });
  }
}

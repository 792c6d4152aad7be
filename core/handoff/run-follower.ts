import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { isRunAlive, signalGroup } from './process-group.js';

/** How a run ended, with the tail of its output. */
export interface RunEnd {
  exitCode: number | null;
  stdoutTail: string;
  stderrTail: string;
  endedAt: number;
}

export interface RunFollowerOptions {
  stdoutFile: string;
  stderrFile: string;
  pid: number;
  bootId: string | null;
  procStart: string | null;
  /** Present when this process started the run: its 'exit' event is the end (and the exit code is known). */
  child?: ChildProcess;
  clock: Clock;
  /** How often new output is read and liveness checked while the run is active. */
  tickMs: number;
  /** After the final result line, how long the process may linger before its group is stopped. */
  finalGraceMs: number;
  /** Called for each complete line; return true for the final result line. */
  onLine(line: string): boolean;
  /** Called after each read (progress updates). */
  onTick?(): void;
}

const TAIL_BYTES = 1024 * 1024;
const ERR_TAIL_BYTES = 64 * 1024;
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** The last `maxBytes` of a file, starting at a whole line. */
export function readTail(file: string, maxBytes: number): string {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  const start = Math.max(0, size - maxBytes);
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(size - start);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    const text = buffer.subarray(0, read).toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

/**
 * Follows one detached run: reads its stdout file as it grows (a bounded tick while the run is active, nothing
 * once it ended) and settles `done` when the process is gone, whether this process is its parent or not.
 */
export class RunFollower {
  readonly done: Promise<RunEnd>;
  private resolveDone: (end: RunEnd) => void = () => {};
  private offset = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
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
  }

  start(): void {
    const { child } = this.options;
    if (child) {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
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
  }

  private tick(): void {
    this.timer = undefined;
    if (this.finished || this.stopped) return;
    this.readNew();
    this.options.onTick?.();
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

  private readNew(): void {
    const file = this.options.stdoutFile;
    if (!existsSync(file)) return;
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (read <= 0) break;
        this.offset += read;
        this.consume(this.decoder.write(buffer.subarray(0, read)));
      }
    } finally {
      closeSync(fd);
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
    this.readNew();
    if (this.partial.trim()) this.line(this.partial);
    this.partial = '';
    this.options.onTick?.();
    this.resolveDone({
      exitCode: this.exited ? this.exitCode : null,
      stdoutTail: readTail(this.options.stdoutFile, TAIL_BYTES),
      stderrTail: readTail(this.options.stderrFile, ERR_TAIL_BYTES),
      endedAt: this.options.clock.now(),
    });
  }
}

import { PieBrainError } from '../errors.js';
import type { Clock, TimerHandle } from '../lib/clock.js';

// Node fires a longer timer at once (after a TimeoutOverflowWarning).
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The time a plan has: the task's deadline (engine.taskTimeoutSeconds) less a margin, so the plan answers
 * with what its steps did before the engine stops the task. Steps run with `signal`, which aborts at that
 * moment; a step that moves the task's deadline (a cloud run with its own, longer limit) moves this one too.
 */
export class PlanDeadline {
  private readonly controller = new AbortController();
  private readonly marginMs: number;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    taskTimeoutMs: number,
    private readonly extendTask?: (ms: number) => void,
  ) {
    this.marginMs = Math.min(5000, Math.floor(taskTimeoutMs / 10));
    this.arm(taskTimeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get passed(): boolean {
    return this.controller.signal.aborted;
  }

  /** What a step gets as its extendDeadline: the task's deadline moves to `ms` from now, and the plan's with it. */
  readonly extend = (ms: number): void => {
    this.extendTask?.(ms);
    if (!this.passed) this.arm(ms);
  };

  dispose(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.dispose();
    const seconds = Math.round(ms / 1000);
    this.timer = this.clock.setTimeout(
      () =>
        this.controller.abort(
          new PieBrainError('TIMEOUT', `the plan reached its task's deadline (${seconds} s)`, {
            userMessage: `stopped: the task's deadline (${seconds} s) came`,
          }),
        ),
      Math.min(MAX_TIMER_MS, Math.max(0, ms - this.marginMs)),
    );
    this.timer.unref?.();
  }
}

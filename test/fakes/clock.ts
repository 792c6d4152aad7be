import type { Clock, TimerHandle } from '../../core/lib/clock.js';

interface Timer extends TimerHandle {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when the test says so; timers fire in order as it advances. Timers run on
 * monotonic time, as Node's do: `jump` moves only the wall clock (NTP correcting a Pi that has no
 * real-time clock), so no timer fires because of it.
 */
export class FakeClock implements Clock {
  /** Monotonic time, on the wall clock's scale at construction. */
  private current: number;
  /** How far the wall clock is from monotonic time. */
  private wallOffset = 0;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  constructor(start: number | string = Date.UTC(2026, 10, 23, 12, 0, 0)) {
    this.current = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.current + this.wallOffset;
  }

  /** Move the wall clock by `ms` (negative: back) without firing or delaying any timer. */
  jump(ms: number): void {
    this.wallOffset += ms;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, callback, cancelled: false, unref() {} };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as Timer;
    timer.cancelled = true;
    this.timers.delete(timer);
  }

  /** Move time forward, firing due timers in order (and letting promises settle between them). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      const next = [...this.timers].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** When the next timer is due (on the wall clock as it reads now), if any. */
  nextTimerAt(): number | undefined {
    const ats = [...this.timers].map((t) => t.at + this.wallOffset);
    return ats.length ? Math.min(...ats) : undefined;
  }
}

export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Real timers and real elapsed time, but starting at a fixed date: whole runtimes in tests read the same
 * calendar whatever the machine's date (a day or a month cannot turn under them mid-test).
 */
export function clockFrom(start: number | string): Clock {
  const at = typeof start === 'string' ? Date.parse(start) : start;
  const origin = performance.now();
  return {
    now: () => at + Math.round(performance.now() - origin),
    setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

import type { Clock, TimerHandle } from '../../core/clock.js';

interface Timer extends TimerHandle {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** A clock that moves only when the test says so; timers fire in order as it advances. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  constructor(start: number | string = Date.UTC(2026, 10, 23, 12, 0, 0)) {
    this.current = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.current;
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

  /** When the next timer is due, if any. */
  nextTimerAt(): number | undefined {
    const ats = [...this.timers].map((t) => t.at);
    return ats.length ? Math.min(...ats) : undefined;
  }
}

export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

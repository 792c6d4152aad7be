import type { Clock, TimerHandle } from '../../core/lib/clock.js';

export interface TypingKeeperOptions {
  clock: Clock;
  /** Telegram shows "typing…" for 5 s per call: repeat a little sooner. */
  intervalMs: number;
  /** Give up after this long even if no reply came (a stuck task must not type forever). */
  maxMs: number;
}

/** Keeps a typing indicator up in a chat until a message is sent there or the time bound passes. */
export class TypingKeeper {
  private readonly active = new Map<string, { handle: TimerHandle }>();

  constructor(private readonly options: TypingKeeperOptions) {}

  /** Show the indicator now (its error goes to the caller) and keep showing it. */
  async begin(key: string, show: () => Promise<void>): Promise<void> {
    this.end(key);
    await show();
    const { clock, intervalMs, maxMs } = this.options;
    const until = clock.now() + maxMs;
    const entry = { handle: clock.setTimeout(() => tick(), intervalMs) };
    const tick = () => {
      if (this.active.get(key) !== entry) return;
      if (clock.now() + intervalMs > until) {
        this.active.delete(key);
        return;
      }
      show().catch(() => this.end(key));
      entry.handle = clock.setTimeout(tick, intervalMs);
      entry.handle.unref?.();
    };
    entry.handle.unref?.();
    this.active.set(key, entry);
  }

  end(key: string): void {
    const entry = this.active.get(key);
    if (!entry) return;
    this.options.clock.clearTimeout(entry.handle);
    this.active.delete(key);
  }

  endAll(): void {
    for (const key of [...this.active.keys()]) this.end(key);
  }
}

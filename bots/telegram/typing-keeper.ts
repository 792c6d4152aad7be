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
  private readonly active = new Map<string, { handle: TimerHandle | undefined }>();

  constructor(private readonly options: TypingKeeperOptions) {}

  /** Show the indicator now (its error goes to the caller) and keep showing it. */
  async begin(key: string, show: () => Promise<void>): Promise<void> {
    this.end(key);
    // Registered before the first call goes out: a reply sent while it is on its way ends the indicator,
    // instead of the indicator starting after its reply and typing on for maxMs.
    const entry: { handle: TimerHandle | undefined } = { handle: undefined };
    this.active.set(key, entry);
    try {
      await show();
    } catch (error) {
      if (this.active.get(key) === entry) this.active.delete(key);
      throw error;
    }
    if (this.active.get(key) !== entry) return;
    const { clock, intervalMs, maxMs } = this.options;
    const until = clock.now() + maxMs;
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
    entry.handle = clock.setTimeout(tick, intervalMs);
    entry.handle.unref?.();
  }

  end(key: string): void {
    const entry = this.active.get(key);
    if (!entry) return;
    if (entry.handle) this.options.clock.clearTimeout(entry.handle);
    this.active.delete(key);
  }

  endAll(): void {
    for (const key of [...this.active.keys()]) this.end(key);
  }

  /** Chats where an indicator is being kept up. */
  get size(): number {
    return this.active.size;
  }
}

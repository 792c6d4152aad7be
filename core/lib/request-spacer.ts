import { type Clock, sleep } from './clock.js';
import { Semaphore } from './semaphore.js';

/**
 * One request at a time, and at least `minIntervalMs` between the end of one and the start of the next
 * (arXiv's terms: one connection, one request every 3 s). Waiting callers go in the order they asked.
 */
export class RequestSpacer {
  private readonly line = new Semaphore(1);
  private lastEndedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** Callers waiting for their turn (not counting the one running). */
  get waiting(): number {
    return this.line.waiting;
  }

  async run<T>(minIntervalMs: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.line.acquire();
    try {
      signal?.throwIfAborted();
      const wait = this.lastEndedAt + minIntervalMs - this.clock.now();
      if (wait > 0) await sleep(this.clock, wait, signal);
      try {
        return await work();
      } finally {
        this.lastEndedAt = this.clock.now();
      }
    } finally {
      release();
    }
  }
}

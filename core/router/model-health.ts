import type { Alerts } from '../engine/alerts.js';
import type { Clock } from '../lib/clock.js';

export interface ModelHealthOptions {
  clock: Clock;
  alerts?: Alerts;
  /** Named in the alerts. */
  model: string;
  /** After a failure, wait this long before asking the model again, doubling up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export const ROUTER_ALERT_KEY = 'router-model';

/**
 * Whether the local model answers. After a failure the router stops waiting on it and uses the rules until
 * a backoff passes; the admins hear once when routing falls back and once when the model is back.
 */
export class ModelHealth {
  private failures = 0;
  private retryAt = 0;

  constructor(private readonly options: ModelHealthOptions) {}

  get down(): boolean {
    return this.failures > 0;
  }

  /** False while a recent failure's backoff runs: do not make the user wait on a model that is down. */
  shouldTry(): boolean {
    return this.failures === 0 || this.options.clock.now() >= this.retryAt;
  }

  succeeded(): void {
    if (this.failures === 0 && this.options.alerts?.state(ROUTER_ALERT_KEY) !== 'bad') return;
    this.failures = 0;
    this.retryAt = 0;
    this.options.alerts?.transition(ROUTER_ALERT_KEY, 'ok', `The local model ${this.options.model} answers again: routing uses it again.`);
  }

  failed(reason: string): void {
    this.failures += 1;
    const base = this.options.baseBackoffMs ?? 15_000;
    const backoff = Math.min(this.options.maxBackoffMs ?? 300_000, base * 2 ** (this.failures - 1));
    this.retryAt = this.options.clock.now() + backoff;
    this.options.alerts?.transition(
      ROUTER_ALERT_KEY,
      'bad',
      `Routing fell back to the keyword rules: the local model ${this.options.model} is not answering (${reason}). Requests are still answered, less precisely.`,
    );
  }
}

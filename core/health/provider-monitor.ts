import type { AlertState, Alerts } from '../engine/alerts.js';
import type { EventBus } from '../engine/events.js';
import type { Clock } from '../lib/clock.js';
import { formatDuration } from '../lib/format.js';
import { LatencyRing } from './latency-ring.js';
import { type Recommendation, recommend, scoreProvider } from './provider-score.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface MonitorOptions {
  clock: Clock;
  /** Admin alerts; without it the monitor only measures. */
  alerts?: Pick<Alerts, 'transition' | 'state'>;
  /** Latencies kept per provider (p50/p95 are over these). */
  ringSize?: number;
  /** Calls in the last hour before an error rate counts. */
  minCalls?: number;
  /** Error rate that raises the alert, and the one below which it clears (hysteresis). */
  errorRateBad?: number;
  errorRateOk?: number;
  /** Failures in a row that mean down; successes in a row that mean up again. */
  downAfter?: number;
  upAfter?: number;
  /** A p95 under target x this clears a latency alert. */
  latencyRecovery?: number;
  /** Outcomes kept per provider for the 1-hour and 24-hour windows. */
  maxOutcomes?: number;
}

export interface TrackOptions {
  /** p95 above this is slow (a Pi router call is not a Claude Code run). */
  latencyTargetMs?: number;
  /** Calls waiting for this provider right now. */
  queueDepth?: () => number;
}

export interface ProviderHealth {
  provider: string;
  state: 'up' | 'down' | 'unknown';
  calls1h: number;
  errors1h: number;
  /** Null while fewer than the minimum calls were made in the last hour. */
  errorRate1h: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  latencySamples: number;
  latencyTargetMs: number;
  /** Share of good calls and probes over 24 h; null without any. */
  availability24h: number | null;
  queueDepth: number;
  score: number | null;
  recommendation: Recommendation;
  lastOkAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
}

interface Outcome {
  at: number;
  ok: boolean;
  probe: boolean;
}

interface Tracked {
  ring: LatencyRing;
  outcomes: Outcome[];
  latencyTargetMs: number;
  queueDepth: () => number;
  state: 'up' | 'down' | 'unknown';
  failuresInRow: number;
  successesInRow: number;
  lastOkAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
}

const LOCAL_TARGET_MS = 10_000;
const API_TARGET_MS = 30_000;
const BRAIN_TARGET_MS = 20 * 60_000;

function defaultTarget(provider: string): number {
  if (provider === 'ollama') return LOCAL_TARGET_MS;
  return provider === 'anthropic' || provider === 'openai' ? API_TARGET_MS : BRAIN_TARGET_MS;
}

/**
 * Watches every provider (ollama, anthropic, each brain) from the `llm-called` / `llm-failed` events and
 * the no-token probes: rolling p50/p95 latency, error rate over the last hour, availability over 24 h,
 * queue depth, a score and a recommendation. Tells the admins about down/up, slow and failing providers
 * once per change of state, with hysteresis so a provider near a threshold does not flap.
 */
export class ProviderMonitor {
  private readonly providers = new Map<string, Tracked>();
  private readonly o: Required<Omit<MonitorOptions, 'alerts'>> & Pick<MonitorOptions, 'alerts'>;

  constructor(options: MonitorOptions) {
    this.o = {
      ringSize: 200,
      minCalls: 5,
      errorRateBad: 0.25,
      errorRateOk: 0.1,
      downAfter: 3,
      upAfter: 2,
      latencyRecovery: 0.8,
      maxOutcomes: 5000,
      ...options,
    };
  }

  /** Declare a provider (so /health lists it before its first call) and its latency target and queue. */
  track(provider: string, options: TrackOptions = {}): void {
    const existing = this.providers.get(provider);
    if (existing) {
      if (options.latencyTargetMs !== undefined) existing.latencyTargetMs = options.latencyTargetMs;
      if (options.queueDepth) existing.queueDepth = options.queueDepth;
      return;
    }
    this.providers.set(provider, {
      ring: new LatencyRing(this.o.ringSize),
      outcomes: [],
      latencyTargetMs: options.latencyTargetMs ?? defaultTarget(provider),
      queueDepth: options.queueDepth ?? (() => 0),
      state: 'unknown',
      failuresInRow: 0,
      successesInRow: 0,
      lastOkAt: null,
      lastFailureAt: null,
      lastError: null,
    });
  }

  /** Listen to the bus; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    const offCalled = bus.on('llm-called', (e) => this.recordCall(e.provider, { ok: true, latencyMs: e.latencyMs }));
    const offFailed = bus.on('llm-failed', (e) => this.recordCall(e.provider, { ok: false, latencyMs: e.latencyMs, error: e.code }));
    return () => {
      offCalled();
      offFailed();
    };
  }

  recordCall(provider: string, call: { ok: boolean; latencyMs: number; error?: string }): void {
    const tracked = this.get(provider);
    if (call.ok) tracked.ring.push(call.latencyMs);
    this.record(provider, tracked, call.ok, false, call.error);
  }

  /** A probe that spends no tokens: counts for up/down and availability, not for latency or error rate. */
  recordProbe(provider: string, probe: { ok: boolean; error?: string }): void {
    this.record(provider, this.get(provider), probe.ok, true, probe.error);
  }

  health(provider: string): ProviderHealth {
    const t = this.get(provider);
    const now = this.o.clock.now();
    let calls1h = 0;
    let errors1h = 0;
    let good24h = 0;
    let all24h = 0;
    for (const outcome of t.outcomes) {
      if (outcome.at <= now - DAY) continue;
      all24h += 1;
      if (outcome.ok) good24h += 1;
      if (!outcome.probe && outcome.at > now - HOUR) {
        calls1h += 1;
        if (!outcome.ok) errors1h += 1;
      }
    }
    const errorRate1h = calls1h >= this.o.minCalls ? errors1h / calls1h : null;
    const p95Ms = t.ring.percentile(95);
    const availability24h = all24h ? good24h / all24h : null;
    const queueDepth = safeDepth(t.queueDepth);
    const score = scoreProvider({
      state: t.state,
      errorRate: errorRate1h,
      p95Ms,
      latencyTargetMs: t.latencyTargetMs,
      availability: availability24h,
      queueDepth,
    });
    return {
      provider,
      state: t.state,
      calls1h,
      errors1h,
      errorRate1h,
      p50Ms: t.ring.percentile(50),
      p95Ms,
      latencySamples: t.ring.count,
      latencyTargetMs: t.latencyTargetMs,
      availability24h,
      queueDepth,
      score,
      recommendation: recommend(score),
      lastOkAt: t.lastOkAt,
      lastFailureAt: t.lastFailureAt,
      lastError: t.lastError,
    };
  }

  all(): ProviderHealth[] {
    return [...this.providers.keys()].sort().map((provider) => this.health(provider));
  }

  private get(provider: string): Tracked {
    if (!this.providers.has(provider)) this.track(provider);
    return this.providers.get(provider) as Tracked;
  }

  private record(provider: string, t: Tracked, ok: boolean, probe: boolean, error: string | undefined): void {
    const now = this.o.clock.now();
    t.outcomes.push({ at: now, ok, probe });
    if (t.outcomes.length > this.o.maxOutcomes || (t.outcomes[0]?.at ?? now) <= now - DAY) {
      t.outcomes = t.outcomes.filter((o) => o.at > now - DAY).slice(-this.o.maxOutcomes);
    }
    if (ok) {
      t.lastOkAt = now;
      t.failuresInRow = 0;
      t.successesInRow += 1;
      if (t.state === 'unknown' || (t.state === 'down' && t.successesInRow >= this.o.upAfter)) t.state = 'up';
    } else {
      t.lastFailureAt = now;
      t.lastError = error ?? 'failed';
      t.successesInRow = 0;
      t.failuresInRow += 1;
      if (t.failuresInRow >= this.o.downAfter) t.state = 'down';
    }
    this.evaluate(provider);
  }

  /** Raise or clear this provider's alerts for its current numbers. */
  private evaluate(provider: string): void {
    const alerts = this.o.alerts;
    if (!alerts) return;
    const h = this.health(provider);
    const t = this.get(provider);
    if (h.state === 'down') {
      alerts.transition(
        `provider:${provider}:down`,
        'bad',
        `${provider} is down: ${t.failuresInRow} failures in a row (last: ${h.lastError}).`,
        'critical',
      );
    } else if (h.state === 'up') {
      alerts.transition(`provider:${provider}:down`, 'ok', `${provider} is back up.`);
    }
    const latencyKey = `provider:${provider}:latency`;
    if (h.p95Ms !== null && h.latencySamples >= this.o.minCalls) {
      const slow = h.p95Ms > h.latencyTargetMs;
      const fast = h.p95Ms < h.latencyTargetMs * this.o.latencyRecovery;
      const next = this.hysteresis(alerts.state(latencyKey), slow, fast);
      const text =
        next === 'bad'
          ? `${provider} is slow: p95 ${formatDuration(h.p95Ms)} over its ${formatDuration(h.latencyTargetMs)} target.`
          : `${provider} is fast again: p95 ${formatDuration(h.p95Ms)}.`;
      alerts.transition(latencyKey, next, text);
    }
    const errorKey = `provider:${provider}:errors`;
    const failing = h.errorRate1h !== null && h.errorRate1h >= this.o.errorRateBad;
    const healthy = (h.errorRate1h !== null && h.errorRate1h < this.o.errorRateOk) || h.errors1h === 0;
    const next = this.hysteresis(alerts.state(errorKey), failing, healthy);
    const percent = Math.round((h.errorRate1h ?? 0) * 100);
    alerts.transition(
      errorKey,
      next,
      next === 'bad'
        ? `${provider} is failing: ${h.errors1h} of ${h.calls1h} calls in the last hour (${percent} %).`
        : `${provider} errors are back to normal (${percent} % in the last hour).`,
    );
  }

  private hysteresis(current: AlertState, bad: boolean, good: boolean): AlertState {
    if (current === 'ok') return bad ? 'bad' : 'ok';
    return good ? 'ok' : 'bad';
  }
}

function safeDepth(read: () => number): number {
  try {
    const depth = read();
    return Number.isFinite(depth) && depth > 0 ? depth : 0;
  } catch {
    return 0;
  }
}

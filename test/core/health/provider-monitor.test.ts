import { afterEach, describe, expect, it } from 'vitest';
import { LatencyRing } from '../../../core/health/latency-ring.js';
import { ProviderMonitor } from '../../../core/health/provider-monitor.js';
import { recommend, scoreProvider } from '../../../core/health/provider-score.js';
import { openCostsFixture } from '../costs/cost-fixtures.js';

const fixtures: Array<ReturnType<typeof openCostsFixture>> = [];
afterEach(() => {
  for (const fixture of fixtures.splice(0)) fixture.close();
});

function setup() {
  const fixture = openCostsFixture();
  fixtures.push(fixture);
  const monitor = new ProviderMonitor({ clock: fixture.clock, alerts: fixture.alerts, minCalls: 5 });
  monitor.attach(fixture.bus);
  const called = (provider: string, latencyMs: number) =>
    fixture.bus.emit('llm-called', {
      taskId: null,
      provider,
      model: 'm',
      purpose: 'test',
      tokensIn: 1,
      tokensOut: 1,
      costUsd: 0,
      latencyMs,
    });
  const failed = (provider: string, code = 'LLM_UNAVAILABLE') =>
    fixture.bus.emit('llm-failed', { taskId: null, provider, model: 'm', purpose: 'test', code, latencyMs: 5 });
  const keys = () => fixture.raised.map((alert) => `${alert.key}:${alert.severity}`);
  return { ...fixture, monitor, called, failed, keys };
}

describe('latency ring', () => {
  it('keeps the last N values and gives nearest-rank percentiles', () => {
    const ring = new LatencyRing(4);
    expect(ring.percentile(95)).toBeNull();
    for (const value of [100, 200, 300, 400, 500, 600]) ring.push(value);
    expect(ring.toArray()).toEqual([300, 400, 500, 600]);
    expect(ring.percentile(50)).toBe(400);
    expect(ring.percentile(95)).toBe(600);
  });
});

describe('provider score', () => {
  it('is 0 when down, penalises errors, slowness and queues, and scales by availability', () => {
    const base = { state: 'up' as const, errorRate: 0, p95Ms: 1000, latencyTargetMs: 10_000, availability: 1, queueDepth: 0 };
    expect(scoreProvider(base)).toBe(100);
    expect(scoreProvider({ ...base, state: 'down' })).toBe(0);
    expect(scoreProvider({ ...base, errorRate: 0.2 })).toBe(70);
    expect(scoreProvider({ ...base, p95Ms: 20_000 })).toBe(60);
    expect(scoreProvider({ ...base, queueDepth: 2 })).toBe(90);
    expect(scoreProvider({ ...base, availability: 0.5 })).toBe(50);
    expect(scoreProvider({ ...base, state: 'unknown', availability: null, errorRate: null, p95Ms: null })).toBeNull();
    expect([recommend(95), recommend(60), recommend(10), recommend(null)]).toEqual(['OPTIMAL', 'ACCEPTABLE', 'POOR', 'ACCEPTABLE']);
  });
});

describe('provider monitor', () => {
  it('measures p50/p95, the error rate of the last hour (after a minimum of calls) and 24-hour availability', async () => {
    const { monitor, called, failed, clock } = setup();
    monitor.track('anthropic', { queueDepth: () => 2 });
    for (const latency of [1000, 1200, 1400, 1600, 5000]) called('anthropic', latency);
    failed('anthropic', 'RATE_LIMITED');
    const health = monitor.health('anthropic');
    expect(health).toMatchObject({
      state: 'up',
      calls1h: 6,
      errors1h: 1,
      p50Ms: 1400,
      p95Ms: 5000,
      queueDepth: 2,
      lastError: 'RATE_LIMITED',
    });
    expect(health.errorRate1h).toBeCloseTo(1 / 6);
    expect(health.availability24h).toBeCloseTo(5 / 6);
    await clock.advance(3600_000 + 1);
    expect(monitor.health('anthropic')).toMatchObject({ calls1h: 0, errorRate1h: null });
    expect(monitor.health('anthropic').availability24h).toBeCloseTo(5 / 6);
    await clock.advance(23 * 3600_000);
    expect(monitor.health('anthropic').availability24h).toBeNull();
  });

  it('alerts down once, stays quiet while down, says up once after recovering', () => {
    const { monitor, called, failed, keys } = setup();
    called('ollama', 800);
    failed('ollama');
    failed('ollama');
    expect(keys()).toEqual([]);
    failed('ollama');
    expect(monitor.health('ollama')).toMatchObject({ state: 'down', score: 0, recommendation: 'POOR' });
    failed('ollama');
    monitor.recordProbe('ollama', { ok: false, error: 'ECONNREFUSED' });
    expect(keys().filter((k) => k.startsWith('provider:ollama:down'))).toEqual(['provider:ollama:down:critical']);
    monitor.recordProbe('ollama', { ok: true });
    expect(monitor.health('ollama').state).toBe('down');
    called('ollama', 900);
    expect(monitor.health('ollama').state).toBe('up');
    called('ollama', 900);
    failed('ollama');
    const downKeys = keys().filter((k) => k.startsWith('provider:ollama:down'));
    expect(downKeys).toEqual(['provider:ollama:down:critical', 'provider:ollama:down:info']);
  });

  it('alerts on a high error rate with hysteresis: not again until it falls below the lower mark', () => {
    const { called, failed, keys } = setup();
    const errors = () => keys().filter((k) => k.startsWith('provider:anthropic:errors'));
    for (let i = 0; i < 6; i += 1) called('anthropic', 1000);
    failed('anthropic');
    expect(errors()).toEqual([]); // 1 of 7 = 14 %
    failed('anthropic');
    expect(errors()).toEqual(['provider:anthropic:errors:warning']); // 2 of 8 = 25 %
    for (let i = 0; i < 8; i += 1) called('anthropic', 1000); // 2 of 16 = 12.5 %: between the marks
    expect(errors()).toHaveLength(1);
    failed('anthropic'); // 3 of 17: still bad, not posted again
    expect(errors()).toHaveLength(1);
    for (let i = 0; i < 14; i += 1) called('anthropic', 1000); // 3 of 31 < 10 %
    expect(errors()).toEqual(['provider:anthropic:errors:warning', 'provider:anthropic:errors:info']);
  });

  it('alerts on a slow p95 once and clears only under 80 % of the target', () => {
    const { monitor, called, keys } = setup();
    monitor.track('claude-code', { latencyTargetMs: 60_000 });
    const slow = () => keys().filter((k) => k.startsWith('provider:claude-code:latency'));
    for (let i = 0; i < 5; i += 1) called('claude-code', 30_000);
    called('claude-code', 90_000);
    expect(slow()).toEqual(['provider:claude-code:latency:warning']);
    called('claude-code', 95_000);
    expect(slow()).toHaveLength(1);
    for (let i = 0; i < 20; i += 1) called('claude-code', 55_000); // p95 55 s: under target, above 80 % of it
    expect(slow()).toHaveLength(1);
    for (let i = 0; i < 200; i += 1) called('claude-code', 10_000); // the ring (200) now holds only fast calls
    expect(slow()).toEqual(['provider:claude-code:latency:warning', 'provider:claude-code:latency:info']);
  });

  it('lists tracked providers before their first call', () => {
    const { monitor } = setup();
    monitor.track('aider');
    expect(monitor.all().map((h) => [h.provider, h.state, h.recommendation])).toEqual([['aider', 'unknown', 'ACCEPTABLE']]);
  });
});

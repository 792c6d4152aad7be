import { afterEach, describe, expect, it } from 'vitest';
import { startCostHealth } from '../cost-health-fixture.js';

const running: Array<Awaited<ReturnType<typeof startCostHealth>>> = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
});

async function start() {
  const app = await startCostHealth({ http: { port: 0, host: '127.0.0.1' } }, { http: true });
  running.push(app);
  const url = app.services.http?.url;
  if (!url) throw new Error('HTTP server did not start');
  return { ...app, url };
}

describe('HTTP endpoints', () => {
  it('listen on 127.0.0.1 only when a port is configured', async () => {
    const off = await startCostHealth({}, { http: true });
    running.push(off);
    expect(off.services.http).toBeUndefined();
    const on = await start();
    expect(on.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('/healthz reports liveness and readiness as JSON', async () => {
    const app = await start();
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { status: string; live: boolean; ready: boolean; checks: Record<string, { ok: boolean }> };
    expect(body).toMatchObject({ status: 'ok', live: true, ready: true });
    expect(body.checks).toMatchObject({ database: { ok: true }, 'adapter:telegram': { ok: true }, queue: { ok: true } });
    await app.adapter.stop();
    const down = await fetch(`${app.url}/healthz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { status: string }).status).toBe('down');
  });

  it('/healthz is degraded while Ollama is down', async () => {
    const app = await start();
    for (let i = 0; i < 3; i += 1) app.services.monitor.recordProbe('ollama', { ok: false, error: 'ECONNREFUSED' });
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'degraded', ready: true, checks: { ollama: { ok: false, detail: 'down' } } });
  });

  it('/metrics exposes requests, latencies, tokens, spend, cache hits, rule-pack hits, queue depth and provider state', async () => {
    const app = await start();
    const { bus } = app.runtime;
    bus.emit('llm-called', {
      taskId: 1,
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      purpose: 'x',
      tokensIn: 1200,
      tokensOut: 300,
      costUsd: 0.0027,
      latencyMs: 1500,
    });
    bus.emit('llm-failed', {
      taskId: 1,
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      purpose: 'x',
      code: 'RATE_LIMITED',
      latencyMs: 20,
    });
    bus.emit('llm-cache-hit', { taskId: 2, provider: 'anthropic', model: 'claude-haiku-4-5', tokensSaved: 1500, costSavedUsd: 0.0027 });
    bus.emit('rule-hit', { taskId: 3, pack: 'commands', rule: 'rm-rf-root', severity: 'error', surface: 'run', message: 'm', count: 1 });
    await app.ask('/ping');
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('pie_brain_requests_total{platform="telegram"} 1');
    expect(text).toContain('pie_brain_tasks_finished_total{status="done"} 1');
    expect(text).toContain('pie_brain_llm_calls_total{provider="anthropic",outcome="ok"} 1');
    expect(text).toContain('pie_brain_llm_calls_total{provider="anthropic",outcome="error"} 1');
    expect(text).toContain('pie_brain_llm_latency_seconds_bucket{le="2",provider="anthropic"} 1');
    expect(text).toContain('pie_brain_llm_tokens_total{provider="anthropic",direction="in"} 1200');
    expect(text).toContain('pie_brain_spend_usd_total{provider="anthropic"} 0.0027');
    expect(text).toContain('pie_brain_cache_hits_total 1');
    expect(text).toContain('pie_brain_rule_hits_total{pack="commands",rule="rm-rf-root",surface="run",severity="error"} 1');
    expect(text).toContain('pie_brain_queue_depth{state="pending"} 0');
    expect(text).toContain('pie_brain_provider_up{provider="anthropic"} 1');
    expect(text).toMatch(/pie_brain_provider_score\{provider="anthropic"\} \d+/);
    expect(text).toContain('pie_brain_budget_month_usd{kind="limit"} 20');
  });

  it('exports provider metrics as JSON and CSV, and refuses anything but GET', async () => {
    const app = await start();
    app.services.monitor.recordCall('ollama', { ok: true, latencyMs: 900 });
    const json = (await (await fetch(`${app.url}/monitor.json`)).json()) as { providers: Array<{ provider: string; p95Ms: number }> };
    expect(json.providers.find((p) => p.provider === 'ollama')?.p95Ms).toBe(900);
    const csv = await (await fetch(`${app.url}/monitor.csv`)).text();
    expect(csv.split('\r\n')[0]).toMatch(/^at,provider,state,score,recommendation,p50Ms,p95Ms/);
    expect(csv).toMatch(/\r\n[^,]+,ollama,up,100,OPTIMAL,900,900,/);
    expect((await fetch(`${app.url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${app.url}/nothing`)).status).toBe(404);
  });
});

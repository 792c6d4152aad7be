import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { monthOf } from '../../../core/costs/calendar.js';
import { buildSpendChartSvg, CHART_HEIGHT, CHART_WIDTH, renderSpendChart } from '../../../core/costs/spend-chart.js';
import { startCostHealth } from '../cost-health-fixture.js';

const running: Array<Awaited<ReturnType<typeof startCostHealth>>> = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
});

/** Width and height from a PNG's IHDR chunk (after checking the signature and the chunk type). */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(bytes.readUInt32BE(8)).toBe(13);
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('spend chart', () => {
  it('renders a valid PNG of the expected size, with no font needed', async () => {
    const days = Array.from({ length: 30 }, (_, i) => ({ label: String(i + 1), byProvider: { 'claude-code': i * 0.1, anthropic: 0.05 } }));
    const png = await renderSpendChart({ title: 'Spend per day, Nov 2026', days });
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    const svg = buildSpendChartSvg({ title: 'x', days });
    expect(svg).not.toContain('<text');
    expect(svg.match(/<rect /g)?.length).toBeGreaterThan(60);
  });

  it('renders an empty period too', async () => {
    expect(pngSize(await renderSpendChart({ title: 'Nothing', days: [] }))).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  });
});

describe('/cost end to end', () => {
  it('answers an admin with spend by provider, model and brain, budget, cache savings, top tasks and a chart', async () => {
    const app = await startCostHealth({ budget: { monthlyUsd: 20, dailyUsd: 5 } });
    running.push(app);
    const { runtime, services } = app;
    const now = runtime.clock.now();
    const record = (taskId: number, provider: string, model: string, costUsd: number, kind: 'llm' | 'brain' = 'llm', reported?: number) =>
      runtime.ledger.record({
        taskId,
        kind,
        provider,
        model,
        tokensIn: 1000,
        tokensOut: 100,
        costUsd,
        ...(reported !== undefined ? { reportedCostUsd: reported } : {}),
        latencyMs: 1200,
        createdAt: now,
      });
    record(101, 'claude-code', 'claude-sonnet-4-5', 1.5, 'brain', 1.65);
    record(102, 'anthropic', 'claude-haiku-4-5', 0.02);
    record(103, 'ollama', 'qwen2.5:1.5b', 0);
    record(104, 'claude-code', 'claude-sonnet-4-5', 0.75, 'brain');
    runtime.ledger.record({
      taskId: 105,
      kind: 'llm',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      tokensIn: 1,
      tokensOut: 1,
      costUsd: 9,
      latencyMs: 1,
      createdAt: monthOf(now, 'Europe/Berlin').start - 1,
    });
    services.responseCache.put(
      { key: 'k', provider: 'anthropic', model: 'claude-haiku-4-5', response: '{}', tokens: 500, costUsd: 0.01 },
      now,
    );
    services.responseCache.get('k', now);

    const { replies } = await app.ask('/cost month');
    expect(replies).toHaveLength(1);
    const reply = replies[0]?.reply;
    const text = reply?.text ?? '';
    expect(text).toMatch(/\*Spend this month \(\w{3} \d{4}\)\*: \*\$2\.27\* over 4 calls \(Europe\/Berlin\)/);
    expect(text).toContain('Budget (CAREFUL): $2.27 of $20.00 this month (11 %); $17.73 left; today $2.27 of $5.00.');
    expect(text).toContain('*By provider*: claude-code $2.25 (2 calls) · anthropic $0.02 (1 call) · ollama $0 (1 call)');
    expect(text).toContain('claude-sonnet-4-5 $2.25');
    expect(text).toContain('*By brain*: claude-code $2.25 in 2 runs, it reported $1.65');
    expect(text).toContain('*Response cache*: 1 hit saved 500 tokens and $0.01');
    expect(text).toContain('- #101 $1.50 (claude-code)');
    expect(text.indexOf('#101')).toBeLessThan(text.indexOf('#104'));
    expect(text).not.toContain('#105');
    const attachment = reply?.attachments?.[0];
    expect(attachment?.kind).toBe('image');
    expect(attachment?.path.startsWith(`${app.paths.home}/charts/`)).toBe(true);
    expect(pngSize(readFileSync(attachment?.path ?? ''))).toEqual({ width: 800, height: 400 });
    expect(reply?.footer).toBeUndefined();
  });

  it('understands today and week, and explains its usage', async () => {
    const app = await startCostHealth();
    running.push(app);
    expect((await app.ask('/cost today')).replies[0]?.reply.text).toMatch(/^\*Spend today \(\d+ \w{3}\)\*: \*\$0\*/);
    expect((await app.ask('/cost week')).replies[0]?.reply.text).toMatch(/^\*Spend the last 7 days\*/);
    expect((await app.ask('/cost yesterday')).replies[0]?.reply.text).toBe('Usage: `/cost [today|week|month]` (month by default).');
  });

  it('refuses a user who is not an admin', async () => {
    const app = await startCostHealth();
    running.push(app);
    const { replies } = await app.ask('/cost', 'friend');
    expect(replies.map((r) => r.reply.text)).toEqual([expect.stringMatching(/^Sorry, \/cost needs the right to operate pie-brain/)]);
    expect(replies[0]?.reply.attachments).toBeUndefined();
  });

  it('puts the cost footer under a reply whose task used a model', async () => {
    const app = await startCostHealth();
    running.push(app);
    app.runtime.setRouteHandler(async (ctx) => {
      app.runtime.ledger.record({
        taskId: ctx.task.id,
        kind: 'llm',
        provider: 'ollama',
        model: 'qwen2.5:1.5b',
        tokensIn: 380,
        tokensOut: 32,
        costUsd: 0,
        latencyMs: 2100,
        createdAt: app.runtime.clock.now(),
      });
      return { text: 'Hello!' };
    });
    const { replies } = await app.ask('hi there');
    expect(replies[0]?.reply).toEqual({ text: 'Hello!', footer: 'local · 412 tok · 2.1 s' });
  });
});

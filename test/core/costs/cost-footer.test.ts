import { afterEach, describe, expect, it } from 'vitest';
import type { TaskContext } from '../../../core/contracts/task.js';
import { formatCostFooter, withCostFooter } from '../../../core/costs/cost-footer.js';
import { formatDuration, formatTokens, formatUsd } from '../../../core/lib/format.js';
import type { LedgerEntry } from '../../../storage/ledger.js';
import type { TaskRecord } from '../../../storage/queue.js';
import { openCostsFixture } from './cost-fixtures.js';

const fixtures: Array<ReturnType<typeof openCostsFixture>> = [];
afterEach(() => {
  for (const fixture of fixtures.splice(0)) fixture.close();
});

function row(entry: Partial<LedgerEntry>): LedgerEntry {
  return {
    kind: 'llm',
    provider: 'ollama',
    model: 'qwen2.5:1.5b',
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    latencyMs: 0,
    createdAt: 0,
    ...entry,
  };
}

describe('cost footer', () => {
  it('formats durations the way people read them', () => {
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(2100)).toBe('2.1 s');
    expect(formatDuration(192_000)).toBe('3m12s');
    expect(formatDuration(3_840_000)).toBe('1h04m');
    expect([0, 0.31, 0.2312, 0.0123, 2.5, 0.000004, -1.5].map(formatUsd)).toEqual([
      '$0',
      '$0.31',
      '$0.23',
      '$0.0123',
      '$2.50',
      '$0.000004',
      '-$1.50',
    ]);
    expect([formatTokens(12_304), formatTokens(300, 20)]).toEqual(['12,304 tok', '300+20 tok']);
  });

  it('says local, tokens and time for local-only work; brain, dollars and time for paid work', () => {
    const fixture = openCostsFixture();
    fixtures.push(fixture);
    const { ledger } = fixture;
    ledger.record(row({ taskId: 1, tokensIn: 300, tokensOut: 112, latencyMs: 2100 }));
    ledger.record(
      row({ taskId: 2, kind: 'brain', provider: 'claude-code', model: 'claude-sonnet-4-5', costUsd: 0.2312, latencyMs: 192_000 }),
    );
    ledger.record(row({ taskId: 3, tokensIn: 100, tokensOut: 10, latencyMs: 500 }));
    ledger.record(row({ taskId: 3, provider: 'anthropic', model: 'claude-haiku-4-5', costUsd: 0.004, estimated: true, latencyMs: 1500 }));
    expect(formatCostFooter(ledger.forTask(1))).toBe('local · 412 tok · 2.1 s');
    expect(formatCostFooter(ledger.forTask(2))).toBe('claude-code · $0.23 · 3m12s');
    expect(formatCostFooter(ledger.forTask(3))).toBe('local + anthropic · ~$0.004 · 2.0 s');
    expect(formatCostFooter(ledger.forTask(4))).toBeUndefined();
  });

  it('wraps a task handler: footer on replies whose task used a model, none otherwise, off when disabled', async () => {
    const fixture = openCostsFixture();
    fixtures.push(fixture);
    fixture.ledger.record(row({ taskId: 7, tokensIn: 40, tokensOut: 2, latencyMs: 900 }));
    const ctx = (id: number) => ({ task: { id } as TaskRecord }) as TaskContext;
    const handler = withCostFooter(async () => ({ text: 'hi' }), { ledger: fixture.ledger, enabled: true });
    expect(await handler(ctx(7))).toEqual({ text: 'hi', footer: 'local · 42 tok · 900 ms' });
    expect(await handler(ctx(8))).toEqual({ text: 'hi' });
    const own = withCostFooter(async () => ({ text: 'hi', footer: 'mine' }), { ledger: fixture.ledger, enabled: true });
    expect((await own(ctx(7))).footer).toBe('mine');
    const off = withCostFooter(async () => ({ text: 'hi' }), { ledger: fixture.ledger, enabled: false });
    expect(await off(ctx(7))).toEqual({ text: 'hi' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../../core/costs/model-registry.js';
import { ModelRouter } from '../../../core/costs/model-router.js';
import { paidModelPool } from '../../../core/llm/paid-models.js';
import { FakeAnthropic } from '../../fakes/anthropic.js';
import { clockFrom } from '../../fakes/clock.js';
import { testConfig } from '../../helpers.js';
import { type HandoffHost, startHandoffHost } from './handoff-host.js';

let host: HandoffHost | undefined;
const api = new FakeAnthropic();

afterEach(async () => {
  await host?.close();
  host = undefined;
  await api.stop();
});

describe('the Anthropic brain in a handoff', () => {
  it('runs the model the router chose, fails over with the reason in the reply, and books the choice in the ledger', async () => {
    await api.start();
    const config = { anthropic: { baseUrl: api.url }, brains: { default: 'anthropic', fallback: [] } };
    const models = new ModelRouter({
      clock: clockFrom('2026-11-23T12:00:00Z'),
      provider: 'anthropic',
      pool: paidModelPool(testConfig(config)),
      registry: () => ModelRegistry.create({ now: Date.parse('2026-11-23T12:00:00Z') }),
    });
    host = await startHandoffHost({ config, anthropicApiKey: 'sk-ant-handoff', models });
    const overloaded = { status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after-ms': '5' } };
    api.answerFor('claude-sonnet-5', overloaded, overloaded);
    api.answerFor('claude-opus-4-5', { text: 'The report.' });
    const taskId = await host.ask('/handoff write a detailed report on routing between paid models');
    await host.answered(taskId);
    const [reply] = host.repliesFor(taskId);
    expect(reply?.text).toBe('_claude-sonnet-5 was overloaded (529), so claude-opus-4-5 answered._\n\nThe report.');
    expect(reply?.footer).toMatch(/^anthropic · \$0\.0656 · /);
    // Standard work (a handoff): the cheapest good model first, the best next, the cheap one last.
    expect(api.models()).toEqual(['claude-sonnet-5', 'claude-sonnet-5', 'claude-opus-4-5']);
    // The run passed the spend gate before it started.
    expect(host.spend.reservations.map((r) => r.request.provider)).toEqual(['anthropic']);
    const row = host.runtime.ledger.forTask(taskId).find((entry) => entry.provider === 'anthropic');
    expect(row).toMatchObject({ kind: 'brain', model: 'claude-opus-4-5' });
    expect(row?.purpose).toMatch(
      /^\/handoff: claude-opus-4-5 after claude-sonnet-5 was overloaded \(529\); planned: claude-sonnet-5 for a standard request \(handed off\): the cheapest good of 3 ready/,
    );
    expect(row?.data).toMatchObject({
      outcome: 'ok',
      choice: {
        model: 'claude-opus-4-5',
        attempts: [
          { model: 'claude-sonnet-5', ok: false, status: 529 },
          { model: 'claude-opus-4-5', ok: true },
        ],
      },
    });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, type EventMap } from '../../../core/engine/events.js';
import { isPieBrainError } from '../../../core/errors.js';
import { LlmAccounting } from '../../../core/llm/accounting.js';
import { AnthropicProvider } from '../../../core/llm/anthropic.js';
import { describeLlmProviderContract } from '../../contracts/llm-provider.js';
import { FakeAnthropic } from '../../fakes/anthropic.js';
import { FakeClock } from '../../fakes/clock.js';
import { FakePriceBook, FakeSpendGate } from '../../fakes/spend.js';
import { anthropicHarness } from './provider-harnesses.js';

const api = new FakeAnthropic();

beforeAll(async () => {
  await api.start();
});
afterEach(() => {
  api.requests.length = 0;
});
afterAll(async () => {
  await api.stop();
});

function createProvider() {
  const bus = new EventBus();
  const events: Array<{ name: string; payload: unknown }> = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  const spend = new FakeSpendGate(10);
  const provider = new AnthropicProvider({
    apiKey: 'sk-provider',
    baseUrl: api.url,
    model: 'claude-sonnet-4-5',
    maxTokens: 500,
    prices: new FakePriceBook(),
    spend,
    accounting: new LlmAccounting({ clock: new FakeClock(), bus }),
    maxRetries: 1,
  });
  return { provider, spend, events };
}

describeLlmProviderContract('AnthropicProvider against FakeAnthropic', () => anthropicHarness());

describe('AnthropicProvider', () => {
  it('answers with usage including cache tokens, priced by the price book, and settles its reservation', async () => {
    const { provider, spend, events } = createProvider();
    api.answer({ text: 'Bonjour.' });
    const response = await provider.chat({
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Hello' },
      ],
      purpose: 'digest summary',
      taskId: 4,
    });
    expect(response).toMatchObject({
      text: 'Bonjour.',
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 3, outputTokens: 797, cacheReadTokens: 2000, cacheWriteTokens: 14_146 },
    });
    expect(response.costUsd).toBeCloseTo(0.0656115, 7);
    expect(api.requests[0]?.body).toMatchObject({
      system: 'Answer in French.',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 500,
    });
    expect(spend.reservations).toHaveLength(1);
    expect(spend.reservations[0]?.request).toMatchObject({
      taskId: 4,
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      purpose: 'digest summary',
    });
    // The cap covers the longest possible answer: 500 output tokens at $15 per million, plus the prompt.
    expect(spend.reservations[0]?.request.capUsd).toBeGreaterThanOrEqual(0.0075);
    expect(spend.reservations[0]?.settledUsd).toBeCloseTo(0.0656115, 7);
    const called = events.find((event) => event.name === 'llm-called')?.payload as EventMap['llm-called'];
    expect(called).toMatchObject({ taskId: 4, provider: 'anthropic', tokensIn: 3, tokensOut: 797, purpose: 'digest summary' });
  });

  it('waits as long as retry-after says on a 429, then answers', async () => {
    const { provider } = createProvider();
    api.answer({ status: 429, type: 'rate_limit_error', message: 'Too many requests', headers: { 'retry-after': '1' } }, { text: 'fine' });
    expect((await provider.chat({ messages: [{ role: 'user', content: 'x' }] })).text).toBe('fine');
    expect(api.requests).toHaveLength(2);
    expect((api.requests[1]?.at ?? 0) - (api.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('turns an overloaded API into a retryable LLM_UNAVAILABLE and frees the reservation', async () => {
    const { provider, spend, events } = createProvider();
    const overloaded = { status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after-ms': '5' } };
    api.answer(overloaded, overloaded);
    const error = await provider.chat({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(isPieBrainError(error) && error.code).toBe('LLM_UNAVAILABLE');
    expect(isPieBrainError(error) && error.retryable).toBe(true);
    expect(spend.reservations[0]?.released).toBe(true);
    expect(events.some((event) => event.name === 'llm-failed')).toBe(true);
  });

  it('turns a 400 into LLM_REJECTED without retrying', async () => {
    const { provider } = createProvider();
    api.answer({ status: 400, type: 'invalid_request_error', message: 'messages: at least one message is required' });
    const error = await provider.chat({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(isPieBrainError(error) && [error.code, error.retryable, error.message]).toEqual([
      'LLM_REJECTED',
      false,
      'Anthropic API 400: messages: at least one message is required',
    ]);
    expect(api.requests).toHaveLength(1);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { responseCacheKey, withResponseCache } from '../../../core/costs/cached-provider.js';
import type { EventMap } from '../../../core/engine/events.js';
import type { ChatRequest, ChatResponse, LlmProvider } from '../../../core/llm/provider.js';
import { SqliteResponseCache } from '../../../storage/response-cache.js';
import { describeLlmProviderContract } from '../../contracts/llm-provider.js';
import { anthropicHarness } from '../llm/provider-harnesses.js';
import { openCostsFixture } from './cost-fixtures.js';

const fixtures: Array<ReturnType<typeof openCostsFixture>> = [];
afterEach(() => {
  for (const fixture of fixtures.splice(0)) fixture.close();
});

// The cache is an LlmProvider too: around the real Anthropic provider it keeps the same contract.
describeLlmProviderContract('withResponseCache around AnthropicProvider', async () => {
  const fixture = openCostsFixture();
  const cache = new SqliteResponseCache(fixture.db, { ttlMs: 60_000, maxEntries: 100 });
  const harness = await anthropicHarness((provider) => withResponseCache(provider, cache, { clock: fixture.clock, bus: fixture.bus }));
  return {
    ...harness,
    close: async () => {
      await harness.close();
      fixture.close();
    },
  };
});

/** A counter, not a provider under test (the contract runs above): a cached answer is told apart from a fresh one. */
class CountingProvider implements LlmProvider {
  readonly specificationVersion = 'v1';
  readonly name = 'anthropic';
  readonly local = false;
  calls = 0;
  async chat(request: ChatRequest): Promise<ChatResponse> {
    this.calls += 1;
    return {
      text: `answer ${this.calls} to ${request.messages.at(-1)?.content}`,
      model: request.model ?? 'claude-haiku-4-5',
      usage: { inputTokens: 120, outputTokens: 30 },
      latencyMs: 800,
      costUsd: 0.00027,
    };
  }
}

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const fixture = openCostsFixture();
  fixtures.push(fixture);
  const cache = new SqliteResponseCache(fixture.db, { ttlMs: options.ttlMs ?? 60_000, maxEntries: options.maxEntries ?? 100 });
  const inner = new CountingProvider();
  const hits: Array<EventMap['llm-cache-hit']> = [];
  fixture.bus.on('llm-cache-hit', (hit) => hits.push(hit));
  const provider = withResponseCache(inner, cache, { clock: fixture.clock, bus: fixture.bus });
  return { ...fixture, cache, inner, provider, hits };
}

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content }],
  temperature: 0,
  ...extra,
});

describe('response cache', () => {
  it('keys are stable across key order and ignore task ids and purposes', () => {
    const a = responseCacheKey('anthropic', {
      messages: [{ role: 'user', content: 'x' }],
      format: { b: 1, a: { d: 2, c: 3 } },
      temperature: 0,
    });
    const b = responseCacheKey('anthropic', {
      temperature: 0,
      format: { a: { c: 3, d: 2 }, b: 1 },
      messages: [{ content: 'x', role: 'user' }],
      taskId: 9,
      purpose: 'p',
    });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(responseCacheKey('ollama', ask('x'))).not.toBe(responseCacheKey('anthropic', ask('x')));
    expect(responseCacheKey('anthropic', ask('x', { model: 'm2' }))).not.toBe(responseCacheKey('anthropic', ask('x')));
  });

  it('answers a repeated deterministic call from SQLite and counts what it saved', async () => {
    const { provider, inner, cache, hits, clock } = setup();
    const first = await provider.chat(ask('2+2?'));
    const second = await provider.chat(ask('2+2?', { taskId: 5 }));
    expect(inner.calls).toBe(1);
    expect(second.text).toBe(first.text);
    expect(second.costUsd).toBe(0);
    expect(hits).toEqual([{ taskId: 5, provider: 'anthropic', model: 'claude-haiku-4-5', tokensSaved: 150, costSavedUsd: 0.00027 }]);
    expect(cache.savingsBetween(0, clock.now() + 1)).toEqual({ hits: 1, tokens: 150, costUsd: 0.00027 });
  });

  it('never caches sampled calls', async () => {
    const { provider, inner } = setup();
    await provider.chat(ask('poem', { temperature: 0.7 }));
    await provider.chat(ask('poem', { temperature: 0.7 }));
    await provider.chat(ask('poem'.slice(0), { temperature: undefined }));
    expect(inner.calls).toBe(3);
  });

  it('expires entries after the TTL', async () => {
    const { provider, inner, clock } = setup({ ttlMs: 1000 });
    await provider.chat(ask('a'));
    await clock.advance(999);
    await provider.chat(ask('a'));
    expect(inner.calls).toBe(1);
    await clock.advance(2);
    await provider.chat(ask('a'));
    expect(inner.calls).toBe(2);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const { provider, inner, cache, clock } = setup({ maxEntries: 3 });
    for (const question of ['a', 'b', 'c']) {
      await provider.chat(ask(question));
      await clock.advance(10);
    }
    await provider.chat(ask('a')); // a is now the most recently used
    await clock.advance(10);
    await provider.chat(ask('d'));
    expect(cache.size()).toBe(3);
    const before = inner.calls;
    await provider.chat(ask('a'));
    await provider.chat(ask('b'));
    expect(inner.calls).toBe(before + 1);
  });

  it('is off with maxEntries 0', async () => {
    const { provider, inner } = setup({ maxEntries: 0 });
    await provider.chat(ask('a'));
    await provider.chat(ask('a'));
    expect(inner.calls).toBe(2);
  });
});

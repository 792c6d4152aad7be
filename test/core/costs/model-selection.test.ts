import { describe, expect, it } from 'vitest';
import { cooldownHint, FailoverChain } from '../../../core/costs/failover-chain.js';
import { ModelRegistry } from '../../../core/costs/model-registry.js';
import { type Candidate, candidateFromModel, rankCandidates, type SelectionStrategy } from '../../../core/costs/model-selection.js';
import { PieBrainError } from '../../../core/errors.js';
import { FakeClock } from '../../fakes/clock.js';

const registry = ModelRegistry.create();
const latency: Record<string, number> = {
  'claude-haiku-4-5': 900,
  'gpt-4o-mini': 1400,
  'claude-sonnet-4-5': 4000,
  'claude-opus-4-5': 9000,
};
const candidates = ['claude-haiku-4-5', 'gpt-4o-mini', 'claude-sonnet-4-5', 'claude-opus-4-5', 'gemini-2.5-flash']
  .map((id) => registry.get(id))
  .map((model) => (model ? candidateFromModel(model, latency[model.id] ?? null) : undefined))
  .filter((c): c is Candidate => c !== undefined);
const needs = { inputTokens: 2000, outputTokens: 500 };
const best = (strategy: SelectionStrategy) => rankCandidates(candidates, strategy, needs)[0]?.id;

describe('selection strategies', () => {
  it('cost-optimal picks the cheapest, latency-optimal the fastest measured, quality-optimal the best', () => {
    expect(best('cost-optimal')).toBe('gpt-4o-mini');
    expect(best('latency-optimal')).toBe('claude-haiku-4-5');
    expect(best('quality-optimal')).toBe('claude-opus-4-5');
  });

  it('filters by quality, cost cap and capabilities before ranking', () => {
    const ranked = rankCandidates(candidates, 'cost-optimal', { ...needs, minQuality: 6, maxCostUsd: 0.02, capabilities: ['caching'] });
    expect(ranked.map((c) => c.id)).toEqual(['gemini-2.5-flash', 'claude-haiku-4-5', 'claude-sonnet-4-5']);
    expect(rankCandidates(candidates, 'quality-optimal', { ...needs, capabilities: ['embedding'] })).toEqual([]);
  });

  it('unmeasured latency ranks after measured latency', () => {
    const ranked = rankCandidates(candidates, 'latency-optimal', needs).map((c) => c.id);
    expect(ranked.at(-1)).toBe('gemini-2.5-flash');
  });
});

describe('failover chain', () => {
  it('skips a member that answered 429 until its cooldown ends, honouring retry-after', async () => {
    const clock = new FakeClock();
    const chain = new FailoverChain(['anthropic', 'openai'], { clock, baseCooldownMs: 30_000 });
    const used: string[] = [];
    const result = await chain.run(async (member) => {
      used.push(member);
      if (member === 'anthropic') throw new PieBrainError('RATE_LIMITED', '429', { retryAfterMs: 90_000 });
      return 'ok';
    });
    expect(result).toEqual({ member: 'openai', result: 'ok' });
    expect(chain.available()).toEqual(['openai']);
    await clock.advance(89_000);
    expect(chain.available()).toEqual(['openai']);
    await clock.advance(1000);
    expect(chain.available()).toEqual(['anthropic', 'openai']);
  });

  it('doubles the cooldown for failures in a row and resets on success', async () => {
    const clock = new FakeClock();
    const chain = new FailoverChain(['a'], { clock, baseCooldownMs: 1000, maxCooldownMs: 3000 });
    const serverError = Object.assign(new Error('overloaded'), { status: 529 });
    chain.reportFailure('a', serverError);
    expect(chain.cooldownUntil('a')).toBe(clock.now() + 1000);
    chain.reportFailure('a', serverError);
    expect(chain.cooldownUntil('a')).toBe(clock.now() + 2000);
    chain.reportFailure('a', serverError);
    expect(chain.cooldownUntil('a')).toBe(clock.now() + 3000);
    chain.reportSuccess('a');
    expect(chain.cooldownUntil('a')).toBeUndefined();
  });

  it('throws errors a cooldown would not fix, and says when all members are cooling', async () => {
    const clock = new FakeClock();
    const chain = new FailoverChain(['a', 'b'], { clock, baseCooldownMs: 5000 });
    await expect(chain.run(async () => Promise.reject(new PieBrainError('BUDGET_EXCEEDED', 'no')))).rejects.toMatchObject({
      code: 'BUDGET_EXCEEDED',
    });
    expect(chain.available()).toEqual(['a', 'b']);
    const error = await chain.run(async () => Promise.reject(new PieBrainError('UPSTREAM_FAILED', '503'))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LLM_UNAVAILABLE', retryAfterMs: 5000 });
    expect(cooldownHint(Object.assign(new Error('bad request'), { status: 400 }))).toBeUndefined();
    expect(cooldownHint(Object.assign(new Error('rate'), { status: 429 }))).toEqual({});
  });

  it('tries members in the order it is given, skipping those cooling down, and reports every failure', async () => {
    const clock = new FakeClock();
    const chain = new FailoverChain(['a', 'b', 'c'], { clock, baseCooldownMs: 1000 });
    chain.reportFailure('b', new PieBrainError('RATE_LIMITED', '429', { retryAfterMs: 5000 }));
    const tried: string[] = [];
    const failed: Array<[string, boolean]> = [];
    const result = await chain.run(
      async (member) => {
        tried.push(member);
        if (member === 'c') throw new PieBrainError('LLM_UNAVAILABLE', '529');
        return member;
      },
      { order: ['c', 'b', 'a'], onFailure: (member, _error, cooled) => failed.push([member, cooled]) },
    );
    expect(result.member).toBe('a');
    expect(tried).toEqual(['c', 'a']);
    expect(failed).toEqual([['c', true]]);
  });

  it('keeps a model the API says is gone (MODEL_MISSING) out for a day, whatever the usual cap', async () => {
    const clock = new FakeClock();
    const chain = new FailoverChain(['a'], { clock, maxCooldownMs: 60_000 });
    expect(chain.reportFailure('a', new PieBrainError('MODEL_MISSING', '404'))).toBe(true);
    expect(chain.cooldownUntil('a')).toBe(clock.now() + 24 * 3600_000);
  });
});

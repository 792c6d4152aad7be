import { describe, expect, it } from 'vitest';
import type { PriceBook, PricedUsage } from '../../core/contracts/spend.js';
import { isPieBrainError } from '../../core/errors.js';

/** Models every price book must know about (or know it does not): Ollama's is local, Sonnet has a list price. */
const LOCAL = { provider: 'ollama', model: 'qwen2.5:1.5b' };
const CLOUD = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
const UNKNOWN = { provider: 'openrouter', model: 'no-such-model-9' };

const usage = (inputTokens: number, outputTokens: number, extra: Partial<PricedUsage> = {}): PricedUsage => ({
  inputTokens,
  outputTokens,
  ...extra,
});

/**
 * The one contract every PriceBook (the model registry's, the fake) runs: local models cost $0, a known cloud
 * model's usage costs more than nothing and grows with its tokens, and an unknown cloud model is never free:
 * it throws PRICE_UNKNOWN.
 */
export function describePriceBookContract(name: string, create: () => PriceBook): void {
  describe(`PriceBook contract: ${name}`, () => {
    it('local models cost nothing, however many tokens', () => {
      const book = create();
      expect(book.costUsd(LOCAL.provider, LOCAL.model, usage(1e6, 1e6, { cacheReadTokens: 1e6 }))).toBe(0);
      expect(book.costUsd('ollama', 'some-model:7b', usage(1e6, 1e6))).toBe(0);
    });

    it('a known cloud model costs more than nothing, in proportion to its tokens', () => {
      const book = create();
      const cost = (u: PricedUsage) => book.costUsd(CLOUD.provider, CLOUD.model, u);
      const base = cost(usage(1000, 1000));
      expect(base).toBeGreaterThan(0);
      expect(Number.isFinite(base)).toBe(true);
      expect(cost(usage(2000, 2000)) / base).toBeCloseTo(2, 6);
      expect(cost(usage(1000, 2000))).toBeGreaterThan(base);
      expect(cost(usage(2000, 1000))).toBeGreaterThan(base);
      expect(cost(usage(0, 0, { cacheReadTokens: 1e6 }))).toBeGreaterThan(0);
      expect(cost(usage(0, 0))).toBe(0);
    });

    it('an unknown cloud model throws PRICE_UNKNOWN rather than costing nothing', () => {
      const book = create();
      let thrown: unknown;
      try {
        book.costUsd(UNKNOWN.provider, UNKNOWN.model, usage(1, 1));
      } catch (error) {
        thrown = error;
      }
      expect(isPieBrainError(thrown) && thrown.code).toBe('PRICE_UNKNOWN');
    });
  });
}

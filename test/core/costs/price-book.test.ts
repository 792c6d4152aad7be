import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config.js';
import { ModelRegistry } from '../../../core/costs/model-registry.js';
import { flatCost, RegistryPriceBook } from '../../../core/costs/price-book.js';
import { fromAnthropicUsage } from '../../../core/costs/usage.js';
import { isPieBrainError } from '../../../core/errors.js';
import { describePriceBookContract } from '../../contracts/price-book.js';
import { FakeClock } from '../../fakes/clock.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

const registry = ModelRegistry.create();
const book = new RegistryPriceBook(registry, new FakeClock());

describePriceBookContract('RegistryPriceBook over the built-in model registry', () => book);

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('model registry', () => {
  it('knows at least 25 models with limits, capabilities, prices, source and date', () => {
    const catalogued = registry.list().filter((m) => m.catalogued);
    expect(catalogued.length).toBeGreaterThanOrEqual(25);
    for (const model of catalogued) {
      expect(model.contextWindow, model.id).toBeGreaterThan(0);
      expect(model.maxOutput, model.id).not.toBeNull();
      expect(model.capabilities.length, model.id).toBeGreaterThan(0);
      expect(model.prices, `${model.id} has no price`).not.toBeNull();
      expect(model.source, model.id).not.toBe('none');
      expect(model.priceDate, model.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    for (const provider of ['anthropic', 'openai', 'google', 'mistral', 'deepseek', 'ollama']) {
      expect(registry.byProvider(provider).length, provider).toBeGreaterThan(0);
    }
  });

  it('prices cloud models from genai-prices and local models at $0', () => {
    const sonnet = registry.get('claude-3-7-sonnet-20250219');
    expect(sonnet?.prices).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 });
    expect(sonnet?.source).toMatch(/genai-prices 0\.1\.8/);
    expect(registry.get('qwen2.5:1.5b')?.local).toBe(true);
    expect(registry.get('qwen2.5:1.5b')?.prices?.output).toBe(0);
  });

  it('looks models up by id, provider, capability and maximum price', () => {
    expect(registry.get('anthropic/claude-sonnet-4-5')?.id).toBe('claude-sonnet-4-5');
    expect(registry.get('MISTRAL-LARGE-LATEST')?.provider).toBe('mistral');
    expect(registry.byProvider('google').map((m) => m.id)).toContain('gemini-2.5-pro');
    expect(registry.withCapability('embedding').map((m) => m.id)).toEqual(['nomic-embed-text']);
    const cheap = registry.withinPrice({ input: 0.5, output: 2 });
    expect(cheap.every((m) => (m.prices?.input ?? 99) <= 0.5 && (m.prices?.output ?? 99) <= 2)).toBe(true);
    expect(cheap.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(cheap.map((m) => m.id)).not.toContain('claude-opus-4-5');
  });

  it('finds a model outside the catalog through genai-prices name matching', () => {
    const model = registry.resolve('claude-opus-4-7-20260630', 'anthropic');
    expect(model?.catalogued).toBe(false);
    expect(model?.prices?.input).toBeGreaterThan(0);
  });
});

describe('price book', () => {
  it('prices the Anthropic usage Anthropic billed $0.054399 for (litellm#9812) within 0.1 %', () => {
    const usage = fromAnthropicUsage({
      input_tokens: 3,
      cache_creation_input_tokens: 12_304,
      cache_read_input_tokens: 0,
      output_tokens: 550,
    });
    const cost = book.costUsd('anthropic', 'claude-3-7-sonnet-20250219', usage);
    expect(Math.abs(cost - 0.054399) / 0.054399).toBeLessThan(0.001);
    // Charging the cache writes again at the input rate is the bug that reported $0.091311.
    expect(cost).toBeLessThan(0.0913);
  });

  it("prices the issue's 3 / 14,146 / 0 / 797 usage at list prices, each token once", () => {
    const usage = fromAnthropicUsage({
      input_tokens: 3,
      cache_creation_input_tokens: 14_146,
      cache_read_input_tokens: 0,
      output_tokens: 797,
    });
    const cost = book.costUsd('anthropic', 'claude-3-7-sonnet-20250219', usage);
    const byHand = (3 * 3 + 14_146 * 3.75 + 797 * 15) / 1_000_000;
    expect(cost).toBeCloseTo(byHand, 9);
  });

  it('prices 1-hour cache writes at their own rate', () => {
    const usage = fromAnthropicUsage({
      input_tokens: 10,
      output_tokens: 0,
      cache_creation_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
    });
    expect(usage).toMatchObject({ cacheWrite5mTokens: 1000, cacheWrite1hTokens: 2000 });
    const cost = book.costUsd('claude-code', 'claude-3-7-sonnet', usage);
    expect(cost).toBeCloseTo((10 * 3 + 1000 * 3.75 + 2000 * 6) / 1_000_000, 10);
  });

  it('local models cost nothing; a cloud model without a price fails loudly', () => {
    expect(book.costUsd('ollama', 'some-model:7b', { inputTokens: 1e6, outputTokens: 1e6 })).toBe(0);
    const error = caught(() => book.costUsd('anthropic', 'claude-imaginary-9', { inputTokens: 1, outputTokens: 1 }));
    expect(isPieBrainError(error) && error.code).toBe('PRICE_UNKNOWN');
    expect(isPieBrainError(error) && error.userMessage).toMatch(/costs\.pricesFile/);
  });

  it('takes prices from the overrides file, for known and new models', () => {
    const file = join(dir.path, 'prices.yaml');
    writeFileSync(
      file,
      [
        'asOf: 2026-11-01',
        'models:',
        '  - id: claude-sonnet-4-5',
        '    input: 2',
        '    output: 10',
        '  - id: my-hosted-model',
        '    provider: openrouter',
        '    input: 1',
        '    output: 4',
        '    contextWindow: 32000',
        '',
      ].join('\n'),
    );
    const withOverrides = ModelRegistry.create({ pricesFile: file });
    const overridden = new RegistryPriceBook(withOverrides);
    expect(withOverrides.get('claude-sonnet-4-5')).toMatchObject({ source: `overrides: ${file}`, priceDate: '2026-11-01' });
    expect(overridden.costUsd('anthropic', 'claude-sonnet-4-5', { inputTokens: 1e6, outputTokens: 1e6 })).toBeCloseTo(12, 9);
    expect(overridden.costUsd('openrouter', 'my-hosted-model', { inputTokens: 1e6, outputTokens: 0 })).toBeCloseTo(1, 9);
    expect(withOverrides.get('my-hosted-model')?.contextWindow).toBe(32_000);
  });

  it('a broken overrides file is a config error naming the problem', () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'models:\n  - id: new-model\n    input: 1\n    output: 2\n');
    expect(() => ModelRegistry.create({ pricesFile: file })).toThrow(/a new model needs a provider/);
    writeFileSync(file, 'models:\n  - id: x\n    input: -1\n');
    expect(() => ModelRegistry.create({ pricesFile: file })).toThrow(ConfigError);
  });

  it('flat prices charge cache tokens at input rate where the provider has no cache price', () => {
    const cost = flatCost(
      { input: 2, output: 8, cacheRead: null, cacheWrite5m: null, cacheWrite1h: null },
      {
        inputTokens: 1000,
        outputTokens: 1000,
        cacheReadTokens: 1000,
        cacheWrite5mTokens: 1000,
      },
    );
    expect(cost).toBeCloseTo((1000 * 2 + 1000 * 8 + 1000 * 2 + 1000 * 2) / 1e6, 12);
  });
});

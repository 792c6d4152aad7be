import { createRequire } from 'node:module';
import type { ModelInfo as GenaiModel, ModelPrice, Provider } from '@pydantic/genai-prices';
import type { PricedUsage } from '../contracts/spend.js';

// The bundled @pydantic/genai-prices table, used offline: updatePrices/enableAutoUpdate are never called,
// so prices change only when the pinned package version does. The table is big (~0.8 MB of JS), so it is
// loaded on first use: a FREE profile that never prices a call never loads it.
type GenaiPrices = typeof import('@pydantic/genai-prices');
let library: GenaiPrices | undefined;
function genai(): GenaiPrices {
  library ??= createRequire(import.meta.url)('@pydantic/genai-prices') as GenaiPrices;
  return library;
}

export const GENAI_PRICES_SOURCE = '@pydantic/genai-prices 0.1.8';
/** When the bundled table was pinned and checked for pie-brain. */
export const GENAI_PRICES_DATE = '2026-11-23';

/** Dollars per million tokens; null where the provider has no such price. */
export interface ModelPrices {
  input: number;
  output: number;
  cacheRead: number | null;
  cacheWrite5m: number | null;
  cacheWrite1h: number | null;
}

export interface GenaiMatch {
  providerId: string;
  model: GenaiModel;
}

/** Provider names pie-brain uses (brains included) mapped to genai-prices provider ids. */
const PROVIDER_IDS: Record<string, string> = {
  anthropic: 'anthropic',
  'claude-code': 'anthropic',
  openai: 'openai',
  google: 'google',
  gemini: 'google',
  mistral: 'mistral',
  deepseek: 'deepseek',
};

export function genaiProviderId(provider: string | undefined): string | undefined {
  return provider ? PROVIDER_IDS[provider.toLowerCase()] : undefined;
}

const providers = new Map<string, Provider | undefined>();

function providerById(providerId: string): Provider | undefined {
  if (!providers.has(providerId)) providers.set(providerId, genai().findProvider({ providerId }));
  return providers.get(providerId);
}

export function genaiModelById(providerId: string, pricesId: string): GenaiMatch | undefined {
  const model = providerById(providerId)?.models.find((candidate) => candidate.id === pricesId);
  return model ? { providerId, model } : undefined;
}

/** Resolve any model name the way genai-prices does (its own match rules), with or without a provider. */
export function matchGenaiModel(modelId: string, providerHint?: string): GenaiMatch | undefined {
  const providerId = genaiProviderId(providerHint);
  const result = genai().calcPrice({ input_tokens: 0, output_tokens: 0 }, modelId, providerId ? { providerId } : {});
  return result ? { providerId: result.provider.id, model: result.model } : undefined;
}

function baseOf(value: ModelPrice[string]): number | null {
  if (value === undefined) return null;
  return typeof value === 'number' ? value : value.base;
}

function pricesAt(model: GenaiModel, at: Date): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  // The same rule genai-prices applies: the last variant whose constraint holds, else the first.
  for (let i = model.prices.length - 1; i >= 0; i -= 1) {
    const variant = model.prices[i];
    if (!variant) continue;
    const constraint = variant.constraint;
    if (!constraint) return variant.prices;
    if (constraint.type === 'start_date' && at >= new Date(constraint.start_date)) return variant.prices;
  }
  return model.prices[0]?.prices ?? {};
}

/** List prices (the first tier) in effect at `at`; undefined when the model has no token prices. */
export function listPrices(model: GenaiModel, at: Date): ModelPrices | undefined {
  const prices = pricesAt(model, at);
  const input = baseOf(prices.input_mtok);
  const output = baseOf(prices.output_mtok);
  if (input === null || output === null) return undefined;
  return {
    input,
    output,
    cacheRead: baseOf(prices.cache_read_mtok),
    cacheWrite5m: baseOf(prices.cache_write_mtok),
    cacheWrite1h: baseOf(prices.cache_write_1h_mtok) ?? baseOf(prices.cache_write_mtok),
  };
}

/**
 * Exact dollars for a usage through genai-prices itself (tiers, dated and time-of-day prices included).
 * Our usage counts input without cache tokens (Anthropic's convention); genai-prices wants the total.
 */
export function genaiCost(match: GenaiMatch, usage: PricedUsage, at: Date): number | undefined {
  const provider = providerById(match.providerId);
  if (!provider) return undefined;
  const write5m = usage.cacheWrite5mTokens ?? 0;
  const write1h = usage.cacheWrite1hTokens ?? 0;
  const read = usage.cacheReadTokens ?? 0;
  const only: Provider = { ...provider, models: [{ ...match.model, match: { equals: match.model.id } }] };
  const result = genai().calcPrice(
    {
      input_tokens: usage.inputTokens + read + write5m + write1h,
      output_tokens: usage.outputTokens,
      ...(read ? { cache_read_tokens: read } : {}),
      ...(write5m + write1h ? { cache_write_tokens: write5m + write1h } : {}),
      ...(write1h ? { cache_write_1h_tokens: write1h } : {}),
    },
    match.model.id,
    { provider: only, timestamp: at },
  );
  return result ? result.total_price : undefined;
}

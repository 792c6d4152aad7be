import { ConfigError } from '../config.js';
import {
  GENAI_PRICES_DATE,
  GENAI_PRICES_SOURCE,
  type GenaiMatch,
  genaiModelById,
  genaiProviderId,
  listPrices,
  type ModelPrices,
  matchGenaiModel,
} from './genai-prices.js';
import { type Capability, type CatalogEntry, LOCAL_PROVIDERS, MODEL_CATALOG } from './model-catalog.js';
import { loadPriceOverrides, type PriceOverride, type PriceOverrides } from './price-overrides.js';

export type { ModelPrices } from './genai-prices.js';
export type { Capability } from './model-catalog.js';

/** How a model's dollars are computed. */
export type Pricing =
  | { kind: 'genai'; match: GenaiMatch }
  | { kind: 'flat' }
  | { kind: 'free' }
  /** A cloud model nobody priced: costing it throws PRICE_UNKNOWN. */
  | { kind: 'none' };

/** One model as the registry knows it: limits, capabilities, list prices, and where the prices came from. */
export interface ModelInfo {
  id: string;
  provider: string;
  name: string;
  aliases: readonly string[];
  /** Null for a model only genai-prices knows (not in our catalog) when it does not say. */
  contextWindow: number | null;
  maxOutput: number | null;
  capabilities: readonly Capability[];
  quality: number;
  local: boolean;
  /** List prices per million tokens in effect when the registry was built; null when unknown. */
  prices: ModelPrices | null;
  pricing: Pricing;
  source: string;
  priceDate: string;
  /** Whether the model is in pie-brain's own catalog (or the overrides file) rather than found on the fly. */
  catalogued: boolean;
}

export interface RegistryOptions {
  /** config costs.pricesFile. */
  pricesFile?: string | null;
  /** When list prices are taken (dated price changes); now by default. */
  now?: number;
  catalog?: readonly CatalogEntry[];
}

const LOCAL_SOURCE = 'pie-brain (local model, $0)';
const LOCAL_DATE = '2026-11-23';
const PREFIXES = new Set(['anthropic', 'openai', 'google', 'gemini', 'mistral', 'deepseek', 'claude-code', 'vertex_ai', 'bedrock']);

/** Lower case, no `provider/` prefix, no `-20250219` date or `-latest` suffix: how ids are compared. */
export function normalizeModelId(raw: string): string {
  let id = raw.trim().toLowerCase();
  const separator = id.search(/[/:]/);
  if (separator > 0 && PREFIXES.has(id.slice(0, separator))) id = id.slice(separator + 1);
  return id.replace(/-\d{8}$/, '').replace(/-latest$/, '');
}

function fromCatalog(entry: CatalogEntry, at: Date): ModelInfo {
  const local = LOCAL_PROVIDERS.has(entry.provider);
  const base = { ...entry, aliases: entry.aliases ?? [], local, catalogued: true };
  if (local) {
    const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    return { ...base, prices: zero, pricing: { kind: 'free' }, source: LOCAL_SOURCE, priceDate: LOCAL_DATE };
  }
  const providerId = genaiProviderId(entry.provider);
  const match = providerId && entry.pricesId ? genaiModelById(providerId, entry.pricesId) : undefined;
  const prices = match ? (listPrices(match.model, at) ?? null) : null;
  return {
    ...base,
    prices,
    pricing: match && prices ? { kind: 'genai', match } : { kind: 'none' },
    source: match ? GENAI_PRICES_SOURCE : 'none',
    priceDate: match ? GENAI_PRICES_DATE : '',
  };
}

function applyOverride(existing: ModelInfo | undefined, override: PriceOverride, overrides: PriceOverrides): ModelInfo {
  const provider = override.provider ?? existing?.provider;
  if (!provider) throw new ConfigError([`${overrides.file}: model ${override.id}: a new model needs a provider`]);
  const local = LOCAL_PROVIDERS.has(provider);
  const touchesPrices = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'].some((key) => key in override);
  let prices = existing?.prices ?? null;
  if (touchesPrices) {
    const input = override.input ?? prices?.input;
    const output = override.output ?? prices?.output;
    if (input === undefined || output === undefined) {
      throw new ConfigError([`${overrides.file}: model ${override.id}: give both input and output prices (dollars per million tokens)`]);
    }
    prices = {
      input,
      output,
      cacheRead: override.cacheRead !== undefined ? override.cacheRead : (prices?.cacheRead ?? null),
      cacheWrite5m: override.cacheWrite5m !== undefined ? override.cacheWrite5m : (prices?.cacheWrite5m ?? null),
      cacheWrite1h: override.cacheWrite1h !== undefined ? override.cacheWrite1h : (prices?.cacheWrite1h ?? prices?.cacheWrite5m ?? null),
    };
  }
  const pricing: Pricing = local ? { kind: 'free' } : touchesPrices ? { kind: 'flat' } : (existing?.pricing ?? { kind: 'none' });
  return {
    id: existing?.id ?? override.id,
    provider,
    name: override.name ?? existing?.name ?? override.id,
    aliases: [...(existing?.aliases ?? []), ...(override.aliases ?? [])],
    contextWindow: override.contextWindow ?? existing?.contextWindow ?? null,
    maxOutput: override.maxOutput ?? existing?.maxOutput ?? null,
    capabilities: override.capabilities ?? existing?.capabilities ?? ['text'],
    quality: override.quality ?? existing?.quality ?? 0,
    local,
    prices: local ? { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 } : prices,
    pricing,
    source: touchesPrices ? `overrides: ${overrides.file}` : (existing?.source ?? `overrides: ${overrides.file}`),
    priceDate: touchesPrices ? overrides.asOf : (existing?.priceDate ?? overrides.asOf),
    catalogued: true,
  };
}

/**
 * Every model pie-brain can price: our catalog (limits, capabilities), genai-prices (prices), the
 * operator's overrides file, and local models at $0. Models outside the catalog are still found through
 * genai-prices' own name matching, so a new dated model id is priced without a code change.
 */
export class ModelRegistry {
  private readonly index = new Map<string, ModelInfo>();
  private readonly resolved = new Map<string, ModelInfo | undefined>();

  constructor(
    private readonly models: readonly ModelInfo[],
    private readonly at: Date = new Date(),
  ) {
    for (const model of models) {
      for (const key of [model.id, ...model.aliases]) this.index.set(normalizeModelId(key), model);
    }
  }

  static create(options: RegistryOptions = {}): ModelRegistry {
    const at = new Date(options.now ?? Date.now());
    const byId = new Map<string, ModelInfo>();
    for (const entry of options.catalog ?? MODEL_CATALOG) byId.set(normalizeModelId(entry.id), fromCatalog(entry, at));
    if (options.pricesFile) {
      const overrides = loadPriceOverrides(options.pricesFile);
      for (const override of overrides.models) {
        const key = normalizeModelId(override.id);
        const existing = byId.get(key) ?? [...byId.values()].find((m) => m.aliases.some((a) => normalizeModelId(a) === key));
        const merged = applyOverride(existing, override, overrides);
        byId.set(normalizeModelId(merged.id), merged);
      }
    }
    return new ModelRegistry([...byId.values()], at);
  }

  list(): readonly ModelInfo[] {
    return this.models;
  }

  /** By id or alias (any case, with or without a date suffix or provider prefix). */
  get(id: string): ModelInfo | undefined {
    return this.index.get(normalizeModelId(id));
  }

  /**
   * The model behind a (provider, model) pair as callers report it: `claude-code` + `claude-sonnet-4-5-20250929`,
   * `ollama` + `qwen2.5:1.5b`, `aider` + `anthropic/claude-3-7-sonnet`. Undefined when nobody knows it.
   */
  resolve(model: string, provider?: string): ModelInfo | undefined {
    const cacheKey = `${provider ?? ''}\u0000${model}`;
    if (this.resolved.has(cacheKey)) return this.resolved.get(cacheKey);
    const found = this.lookup(model, provider);
    this.resolved.set(cacheKey, found);
    return found;
  }

  byProvider(provider: string): ModelInfo[] {
    return this.models.filter((model) => model.provider === provider);
  }

  withCapability(capability: Capability): ModelInfo[] {
    return this.models.filter((model) => model.capabilities.includes(capability));
  }

  /** Priced models whose input and output prices (per million tokens) are at most the given ones. */
  withinPrice(max: { input?: number; output?: number }): ModelInfo[] {
    return this.models.filter(
      (model) =>
        model.prices !== null &&
        (max.input === undefined || model.prices.input <= max.input) &&
        (max.output === undefined || model.prices.output <= max.output),
    );
  }

  private lookup(model: string, provider?: string): ModelInfo | undefined {
    if (provider && LOCAL_PROVIDERS.has(provider)) return this.get(model) ?? this.adHocLocal(model, provider);
    const known = this.get(model);
    if (known) return known;
    const slash = model.indexOf('/');
    const hint = slash > 0 ? model.slice(0, slash) : provider;
    const match = matchGenaiModel(slash > 0 ? model.slice(slash + 1) : model, hint) ?? matchGenaiModel(model);
    if (!match) return undefined;
    const catalogued = this.models.find((m) => m.pricing.kind === 'genai' && m.pricing.match.model.id === match.model.id);
    if (catalogued) return catalogued;
    const prices = listPrices(match.model, this.at) ?? null;
    return {
      id: match.model.id,
      provider: match.providerId,
      name: match.model.name ?? match.model.id,
      aliases: [],
      contextWindow: match.model.context_window ?? null,
      maxOutput: null,
      capabilities: ['text'],
      quality: 0,
      local: false,
      prices,
      pricing: prices ? { kind: 'genai', match } : { kind: 'none' },
      source: GENAI_PRICES_SOURCE,
      priceDate: GENAI_PRICES_DATE,
      catalogued: false,
    };
  }

  private adHocLocal(model: string, provider: string): ModelInfo {
    return {
      id: model,
      provider,
      name: model,
      aliases: [],
      contextWindow: null,
      maxOutput: null,
      capabilities: ['text'],
      quality: 1,
      local: true,
      prices: { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
      pricing: { kind: 'free' },
      source: LOCAL_SOURCE,
      priceDate: LOCAL_DATE,
      catalogued: false,
    };
  }
}

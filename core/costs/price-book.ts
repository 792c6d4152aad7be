import type { PriceBook, PricedUsage } from '../contracts/spend.js';
import { PieBrainError } from '../errors.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { genaiCost, type ModelPrices } from './genai-prices.js';
import { LOCAL_PROVIDERS } from './model-catalog.js';
import type { ModelRegistry } from './model-registry.js';

/** Dollars for a usage at flat per-million prices; cache prices the provider lacks fall back to input. */
export function flatCost(prices: ModelPrices, usage: PricedUsage): number {
  const cacheWrite5m = prices.cacheWrite5m ?? prices.input;
  const perMillion =
    usage.inputTokens * prices.input +
    usage.outputTokens * prices.output +
    (usage.cacheReadTokens ?? 0) * (prices.cacheRead ?? prices.input) +
    (usage.cacheWrite5mTokens ?? 0) * cacheWrite5m +
    (usage.cacheWrite1hTokens ?? 0) * (prices.cacheWrite1h ?? cacheWrite5m);
  return perMillion / 1_000_000;
}

function priceUnknown(provider: string, model: string): PieBrainError {
  return new PieBrainError('PRICE_UNKNOWN', `No price is known for model "${model}" of provider "${provider}".`, {
    userMessage: `I don't know what ${model} costs, so I won't use it. An admin can add its price to the file named by costs.pricesFile.`,
  });
}

/**
 * The PriceBook of core/contracts/spend.ts over the model registry. Local models cost $0; a cloud model without a
 * price throws PRICE_UNKNOWN: it is never recorded as free.
 */
export class RegistryPriceBook implements PriceBook {
  constructor(
    readonly registry: ModelRegistry,
    private readonly clock: Clock = systemClock,
  ) {}

  costUsd(provider: string, model: string, usage: PricedUsage): number {
    if (LOCAL_PROVIDERS.has(provider)) return 0;
    const info = this.registry.resolve(model, provider);
    if (!info) throw priceUnknown(provider, model);
    switch (info.pricing.kind) {
      case 'free':
        return 0;
      case 'flat':
        if (!info.prices) throw priceUnknown(provider, model);
        return flatCost(info.prices, usage);
      case 'genai': {
        const cost = genaiCost(info.pricing.match, usage, new Date(this.clock.now()));
        if (cost === undefined) throw priceUnknown(provider, model);
        return cost;
      }
      case 'none':
        throw priceUnknown(provider, model);
    }
  }

  /** Whether a call to this model costs money (the spend gate is asked only then). */
  isPaid(provider: string, model: string): boolean {
    if (LOCAL_PROVIDERS.has(provider)) return false;
    return !(this.registry.resolve(model, provider)?.local ?? false);
  }
}

import type { Config } from '../config.js';
import type { CostHealthServices } from '../cost-health-services.js';
import { ModelRouter } from '../costs/model-router.js';
import { type AccountingRuntime, runtimeAccounting } from '../router/install.js';
import type { Runtime } from '../runtime.js';
import { PaidChat } from './paid-chat.js';

export interface PaidModels {
  /** Chooses among config anthropic.models for every paid call (cloud chat and the Anthropic brain). */
  router: ModelRouter;
  /** Paid chat through the response cache and the spend gate; absent without an API key. */
  chat: PaidChat | undefined;
}

/** The pool paid calls choose from: config anthropic.models, and anthropic.model always among them. */
export function paidModelPool(config: Config): string[] {
  return [...new Set([...config.anthropic.models, config.anthropic.model])];
}

/**
 * Paid models on a runtime: the model router (prices and quality from the registry, an admin alert when the
 * API says a model is gone) and, with an API key, the Anthropic API as a cached, budgeted, accounted provider.
 */
export async function createPaidModels(
  runtime: AccountingRuntime & Pick<Runtime, 'alerts'>,
  config: Config,
  costs: Pick<CostHealthServices, 'registry' | 'priceBook' | 'spendGate' | 'cached'>,
  apiKey: string | undefined,
): Promise<PaidModels> {
  const router = new ModelRouter({
    clock: runtime.clock,
    provider: 'anthropic',
    pool: paidModelPool(config),
    registry: () => costs.registry,
    onGone: (model, gone) =>
      runtime.alerts.transition(
        `paid-model-gone:${model}`,
        gone ? 'bad' : 'ok',
        gone
          ? `The Anthropic API says it does not serve ${model} (404 not found): paid calls use the other models of anthropic.models. Remove it there, or check the model's retirement date.`
          : `${model} answers again.`,
      ),
  });
  if (!apiKey) return { router, chat: undefined };
  // The SDK (about 260 modules) is loaded only when a key is set: a Pi without one never pays its memory.
  const { AnthropicProvider } = await import('./anthropic.js');
  const provider = new AnthropicProvider({
    apiKey,
    baseUrl: config.anthropic.baseUrl,
    model: config.anthropic.model,
    maxTokens: config.anthropic.maxTokens,
    prices: costs.priceBook,
    spend: costs.spendGate,
    accounting: runtimeAccounting(runtime),
    // No waiting on a busy model: the router moves on to the next one and the busy one cools down.
    maxRetries: 0,
  });
  return { router, chat: new PaidChat({ provider: costs.cached(provider), models: router }) };
}

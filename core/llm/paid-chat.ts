import type { ModelAttempt, ModelPlan, RequestProfile } from '../contracts/model-choice.js';
import type { ModelRouter } from '../costs/model-router.js';
import type { ChatRequest, ChatResponse, LlmProvider } from './provider.js';

export interface PaidChatOptions {
  /** The paid provider (the Anthropic API behind the response cache); it passes the spend gate before each call. */
  provider: LlmProvider;
  models: ModelRouter;
}

export interface PaidAnswer {
  response: ChatResponse;
  /** The model that answered. */
  model: string;
  plan: ModelPlan;
  /** Models tried before it, and how each failed. */
  failures: ModelAttempt[];
}

/**
 * A paid model call that chooses its model: the router ranks the pool for the request's profile, each try
 * carries the choice and its justification to the ledger, and a model that is rate-limited, overloaded or
 * gone hands over to the next one. Calls are deterministic (temperature 0), so the response cache can answer
 * a repeated question for free.
 */
export class PaidChat {
  constructor(private readonly options: PaidChatOptions) {}

  async answer(request: Omit<ChatRequest, 'model' | 'choice' | 'temperature'>, profile: RequestProfile): Promise<PaidAnswer> {
    const { models, provider } = this.options;
    const plan = models.plan(profile);
    const { model, result, failures } = await models.run(
      plan,
      (model, before) =>
        provider.chat({
          ...request,
          model,
          temperature: 0,
          maxTokens: profile.maxOutputTokens,
          choice: models.justify(plan, model, before),
        }),
      (response) => (response.cached ? undefined : response.latencyMs),
    );
    return { response: result, model, plan, failures };
  }
}

import type { PriceBook, PricedUsage, SpendGate } from '../contracts/spend.js';
import { isPieBrainError, PieBrainError } from '../errors.js';
import type { LlmAccounting } from './accounting.js';
import { callAnthropic, toPieBrainError } from './anthropic-call.js';
import type { ChatRequest, ChatResponse, LlmProvider } from './provider.js';

export interface AnthropicProviderOptions {
  apiKey: string;
  baseUrl?: string | null;
  /** config anthropic.model */
  model: string;
  /** config anthropic.maxTokens */
  maxTokens: number;
  prices: PriceBook;
  /** Asked before every call when given; the reservation is settled with the real cost. */
  spend?: SpendGate;
  /** Every call in the ledger (with the choice of model), on the bus and in the task's trace. */
  accounting?: LlmAccounting;
  /** The SDK's retries of one call (429 and 5xx, honoring retry-after); 0 where a failover chain moves on instead. */
  maxRetries?: number;
  /** Reserved when a call's price cannot be estimated. */
  fallbackCapUsd?: number;
}

/**
 * The Anthropic Messages API as an LlmProvider (in process, for short paid calls). Usage includes cache
 * reads and writes; the cost comes from the injected PriceBook; 429 and 5xx are retried by the SDK, which
 * honors retry-after.
 */
export class AnthropicProvider implements LlmProvider {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'anthropic';
  readonly local = false;

  constructor(private readonly options: AnthropicProviderOptions) {}

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const { options } = this;
    const model = request.model ?? options.model;
    const maxTokens = request.maxTokens ?? options.maxTokens;
    const systemParts = request.messages.filter((message) => message.role === 'system').map((message) => message.content);
    if (request.format) systemParts.push(`Answer with JSON only, following this JSON schema:\n${JSON.stringify(request.format)}`);
    const messages = request.messages
      .filter((message) => message.role !== 'system')
      .map((message) => ({ role: message.role as 'user' | 'assistant', content: message.content }));
    const purpose = request.purpose ?? 'chat';
    const taskId = request.taskId ?? null;
    const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
    const reservation = options.spend?.reserve({
      taskId,
      provider: this.name,
      model,
      capUsd: this.estimate(model, { inputTokens: Math.ceil(promptChars / 3), outputTokens: maxTokens }),
      purpose,
      ...(request.spender ? { user: request.spender } : {}),
    });
    // The request's bound covers the whole call, retries included (the SDK's own timeout is per try).
    const timeout = request.timeoutMs === undefined ? undefined : AbortSignal.timeout(request.timeoutMs);
    const signal = timeout && request.signal ? AbortSignal.any([request.signal, timeout]) : (timeout ?? request.signal);
    const started = performance.now();
    try {
      const result = await callAnthropic({
        apiKey: options.apiKey,
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        model,
        maxTokens,
        messages,
        ...(systemParts.length ? { system: systemParts.join('\n\n') } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(signal ? { signal } : {}),
        maxRetries: options.maxRetries ?? 3,
      });
      const costUsd = this.estimate(result.model, result.usage);
      const response: ChatResponse = {
        text: result.text,
        model: result.model,
        usage: {
          inputTokens: result.usage.inputTokens,
          outputTokens: result.usage.outputTokens,
          cacheReadTokens: result.usage.cacheReadTokens,
          cacheWriteTokens: result.usage.cacheWrite5mTokens + result.usage.cacheWrite1hTokens,
        },
        latencyMs: result.latencyMs,
        costUsd,
      };
      // The ledger row first: the budget counts the ledger once the reservation is settled.
      options.accounting?.called(this.name, request, response);
      reservation?.settle(costUsd);
      return response;
    } catch (error) {
      reservation?.release();
      const timedOut = timeout?.aborted === true && request.signal?.aborted !== true;
      const failure = timedOut
        ? new PieBrainError('LLM_UNAVAILABLE', `Anthropic did not answer within ${(request.timeoutMs ?? 0) / 1000} s`, {
            cause: error,
            userMessage: 'The Anthropic API did not answer in time.',
          })
        : isPieBrainError(error)
          ? error
          : toPieBrainError(error);
      options.accounting?.failed(this.name, model, request, failure, Math.round(performance.now() - started));
      throw failure;
    }
  }

  /** Dollars for usage; a model without a price is charged the fallback cap rather than nothing. */
  private estimate(model: string, usage: PricedUsage): number {
    try {
      return this.options.prices.costUsd(this.name, model, usage);
    } catch {
      return this.options.fallbackCapUsd ?? 1;
    }
  }
}

import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { PricedUsage } from '../contracts/spend.js';
import { fromAnthropicUsage } from '../costs/usage.js';
import { type ErrorCode, PieBrainError } from '../errors.js';

/** Usage as Anthropic reports it, cache writes split by rate (each field present). */
export type AnthropicUsage = Required<PricedUsage>;

export interface AnthropicCallOptions {
  apiKey: string;
  /** ANTHROPIC_BASE_URL (config anthropic.baseUrl); null: the SDK's default. */
  baseUrl?: string | null;
  model: string;
  maxTokens: number;
  system?: string;
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  temperature?: number;
  signal?: AbortSignal;
  /** Retries on 408, 409, 429, 5xx and 529, honoring retry-after-ms / retry-after (the SDK's policy). */
  maxRetries?: number;
  timeoutMs?: number;
  /** Called as text streams in, with an estimate of the output tokens so far. */
  onProgress?(outputTokens: number): void;
}

export interface AnthropicCallResult {
  text: string;
  model: string;
  usage: AnthropicUsage;
  stopReason: string | null;
  latencyMs: number;
}

/** How an API failure is classified: the code, the HTTP status, and whether another brain should try instead. */
export interface AnthropicFailure {
  code: ErrorCode;
  status: number | null;
  /** The API cannot serve us now (auth, rate limit after retries, overload, outage, network, a model gone). */
  unavailable: boolean;
  /** Another model of the same API may still answer (rate limits and overload are per model; a 404 is one model gone). */
  tryAnotherModel: boolean;
  retryAfterMs?: number;
  message: string;
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(headers?.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

export function classifyAnthropicError(error: unknown): AnthropicFailure {
  if (error instanceof APIUserAbortError)
    return { code: 'TASK_CANCELLED', status: null, unavailable: false, tryAnotherModel: false, message: 'the call was cancelled' };
  if (error instanceof APIConnectionError) {
    const message = `cannot reach the Anthropic API: ${error.message}`;
    return { code: 'LLM_UNAVAILABLE', status: null, unavailable: true, tryAnotherModel: false, message };
  }
  if (error instanceof APIError) {
    const status = error.status ?? null;
    const message = `Anthropic API ${status ?? ''}: ${error.apiMessage ?? error.message}`.replace(' :', ':');
    if (status === 429) {
      const wait = retryAfterMs(error.headers);
      return {
        code: 'RATE_LIMITED',
        status,
        unavailable: true,
        tryAnotherModel: true,
        message,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      };
    }
    if (status === 401 || status === 403) return { code: 'LLM_REJECTED', status, unavailable: true, tryAnotherModel: false, message };
    // The Messages API answers 404 not_found_error for a model it does not (or no longer) serve.
    if (status === 404) return { code: 'MODEL_MISSING', status, unavailable: true, tryAnotherModel: true, message };
    if (status !== null && status >= 500) return { code: 'LLM_UNAVAILABLE', status, unavailable: true, tryAnotherModel: true, message };
    return { code: 'LLM_REJECTED', status, unavailable: false, tryAnotherModel: false, message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', status: null, unavailable: false, tryAnotherModel: false, message };
}

export function toPieBrainError(error: unknown): PieBrainError {
  const failure = classifyAnthropicError(error);
  return new PieBrainError(failure.code, failure.message, {
    cause: error,
    ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
    userMessage: failure.message,
  });
}

/** One streamed Messages API call. Throws the SDK's errors (classify them with classifyAnthropicError). */
export async function callAnthropic(options: AnthropicCallOptions): Promise<AnthropicCallResult> {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: options.maxRetries ?? 3,
    timeout: options.timeoutMs ?? 10 * 60_000,
  });
  const started = performance.now();
  const stream = client.messages.stream(
    {
      model: options.model,
      max_tokens: options.maxTokens,
      messages: options.messages,
      ...(options.system ? { system: options.system } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    },
    options.signal ? { signal: options.signal } : undefined,
  );
  let characters = 0;
  stream.on('text', (delta) => {
    characters += delta.length;
    // About four characters a token: good enough for "1200 tokens written".
    options.onProgress?.(Math.round(characters / 4));
  });
  const message = await stream.finalMessage();
  const text = message.content
    .filter((block): block is Anthropic.TextBlock => block.type === 'text')
    .map((block) => block.text)
    .join('');
  return {
    text,
    model: message.model,
    usage: fromAnthropicUsage(message.usage),
    stopReason: message.stop_reason,
    latencyMs: Math.round(performance.now() - started),
  };
}

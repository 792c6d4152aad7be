import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { type ErrorCode, PieBrainError } from '../errors.js';

/** Usage as Anthropic reports it, cache writes split by rate. */
export interface AnthropicUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

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
  /** The API cannot serve us now (auth, rate limit after retries, overload, outage, network). */
  unavailable: boolean;
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
    return { code: 'TASK_CANCELLED', status: null, unavailable: false, message: 'the call was cancelled' };
  if (error instanceof APIConnectionError) {
    return { code: 'LLM_UNAVAILABLE', status: null, unavailable: true, message: `cannot reach the Anthropic API: ${error.message}` };
  }
  if (error instanceof APIError) {
    const status = error.status ?? null;
    const message = `Anthropic API ${status ?? ''}: ${error.apiMessage ?? error.message}`.replace(' :', ':');
    if (status === 429) {
      const wait = retryAfterMs(error.headers);
      return { code: 'RATE_LIMITED', status, unavailable: true, message, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
    }
    if (status === 401 || status === 403) return { code: 'LLM_REJECTED', status, unavailable: true, message };
    if (status !== null && status >= 500) return { code: 'LLM_UNAVAILABLE', status, unavailable: true, message };
    return { code: 'LLM_REJECTED', status, unavailable: false, message };
  }
  return { code: 'INTERNAL', status: null, unavailable: false, message: error instanceof Error ? error.message : String(error) };
}

export function toPieBrainError(error: unknown): PieBrainError {
  const failure = classifyAnthropicError(error);
  return new PieBrainError(failure.code, failure.message, {
    cause: error,
    ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
    userMessage: failure.message,
  });
}

/** Read the SDK's usage, splitting cache writes into the 5-minute and one-hour rates. */
export function readAnthropicUsage(usage: Anthropic.Usage): AnthropicUsage {
  const written = usage.cache_creation_input_tokens ?? 0;
  const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWrite5mTokens: Math.max(0, written - oneHour),
    cacheWrite1hTokens: oneHour,
  };
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
    usage: readAnthropicUsage(message.usage),
    stopReason: message.stop_reason,
    latencyMs: Math.round(performance.now() - started),
  };
}

import { Ollama } from 'ollama';
import { PieBrainError } from '../errors.js';
import type { Semaphore } from '../lib/semaphore.js';
import type { LlmAccounting } from './accounting.js';
import type { ChatRequest, ChatResponse, LlmProvider, LlmUsage } from './provider.js';

export interface OllamaProviderOptions {
  /** `http://host:port` (config ollama.host, env OLLAMA_HOST). */
  host: string;
  /** Used when a request names no model. */
  model: string;
  /** How long Ollama keeps the model loaded after a call (config router.keepAlive). */
  keepAlive: string;
  /** Bound on one call when the request sets none. */
  timeoutMs?: number;
  /** One inference at a time: waiting calls keep their order (runtime.limits.llm). */
  limit?: Semaphore;
  accounting?: LlmAccounting;
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 180_000;
const NANOS_PER_MS = 1_000_000;

/** Wait for a turn of the semaphore in FIFO order; a caller that gives up leaves the line without losing a slot. */
function takeTurn(limit: Semaphore | undefined, signal: AbortSignal | undefined): Promise<() => void> {
  if (!limit) return Promise.resolve(() => {});
  if (signal?.aborted) return Promise.reject(signal.reason);
  const turn = limit.acquire();
  if (!signal) return turn;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      void turn.then((release) => release());
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then((release) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) release();
      else resolve(release);
    });
  });
}

function nanosToMs(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value / NANOS_PER_MS : undefined;
}

const UNAVAILABLE_HINT = 'The local model (Ollama) is not answering right now.';

/** Turn what the `ollama` client threw into a PieBrainError whose code says whether to retry. */
export function mapOllamaError(error: unknown, model: string, timedOut: boolean, timeoutMs: number): PieBrainError {
  if (timedOut) {
    return new PieBrainError('LLM_UNAVAILABLE', `Ollama did not answer within ${Math.round(timeoutMs / 100) / 10} s`, {
      cause: error,
      userMessage: UNAVAILABLE_HINT,
    });
  }
  const status = (error as { status_code?: unknown })?.status_code;
  const detail = error instanceof Error ? error.message : String(error);
  if (typeof status === 'number') {
    if (status === 429) return new PieBrainError('RATE_LIMITED', `Ollama answered 429: ${detail}`, { cause: error });
    if (status === 404) {
      return new PieBrainError('LLM_UNAVAILABLE', `Ollama has no model ${model}: ${detail}`, {
        cause: error,
        userMessage: `The local model ${model} is not installed; an admin can run: ollama pull ${model}`,
      });
    }
    if (status >= 500) {
      return new PieBrainError('LLM_UNAVAILABLE', `Ollama answered ${status}: ${detail}`, { cause: error, userMessage: UNAVAILABLE_HINT });
    }
    return new PieBrainError('LLM_REJECTED', `Ollama rejected the request (${status}): ${detail}`, { cause: error });
  }
  return new PieBrainError('LLM_UNAVAILABLE', `Ollama is unreachable: ${detail}`, { cause: error, userMessage: UNAVAILABLE_HINT });
}

/**
 * The local model through the `ollama` package: non-streaming /api/chat, usage and durations taken from
 * Ollama's answer, $0 cost. Calls wait for their turn (one inference at a time); the caller's signal is
 * honored while waiting and while running; the timeout counts from the start of the call.
 */
export class OllamaProvider implements LlmProvider {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'ollama';
  readonly local = true;

  constructor(private readonly options: OllamaProviderOptions) {}

  get host(): string {
    return this.options.host;
  }

  get defaultModel(): string {
    return this.options.model;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const model = request.model ?? this.options.model;
    const release = await takeTurn(this.options.limit, request.signal);
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const baseFetch = this.options.fetch ?? fetch;
    const client = new Ollama({
      host: this.options.host,
      fetch: (input, init) => baseFetch(input, { ...init, signal }),
    });
    const started = performance.now();
    try {
      const answer = await client.chat({
        model,
        messages: request.messages,
        stream: false,
        keep_alive: this.options.keepAlive,
        ...(request.format ? { format: request.format } : {}),
        options: {
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.contextTokens !== undefined ? { num_ctx: request.contextTokens } : {}),
          ...(request.maxTokens !== undefined ? { num_predict: request.maxTokens } : {}),
        },
      });
      const text = answer.message?.content ?? '';
      const response: ChatResponse = {
        text,
        model: answer.model || model,
        usage: usageOf(answer, request, text),
        latencyMs: performance.now() - started,
        costUsd: 0,
      };
      this.options.accounting?.called(this.name, request, response);
      return response;
    } catch (error) {
      const latencyMs = performance.now() - started;
      const failure =
        request.signal?.aborted && !timeout.aborted ? request.signal.reason : mapOllamaError(error, model, timeout.aborted, timeoutMs);
      this.options.accounting?.failed(this.name, model, request, failure, latencyMs);
      throw failure;
    } finally {
      release();
    }
  }
}

function usageOf(
  answer: {
    prompt_eval_count?: number;
    eval_count?: number;
    prompt_eval_duration?: number;
    eval_duration?: number;
    load_duration?: number;
  },
  request: ChatRequest,
  text: string,
): LlmUsage {
  const reported = typeof answer.prompt_eval_count === 'number' && typeof answer.eval_count === 'number';
  const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
  const usage: LlmUsage = {
    inputTokens: answer.prompt_eval_count ?? Math.ceil(promptChars / 4),
    outputTokens: answer.eval_count ?? Math.ceil(text.length / 4),
  };
  if (!reported) usage.estimated = true;
  const promptEvalMs = nanosToMs(answer.prompt_eval_duration);
  const evalMs = nanosToMs(answer.eval_duration);
  const loadMs = nanosToMs(answer.load_duration);
  if (promptEvalMs !== undefined) usage.promptEvalMs = promptEvalMs;
  if (evalMs !== undefined) usage.evalMs = evalMs;
  if (loadMs !== undefined) usage.loadMs = loadMs;
  return usage;
}

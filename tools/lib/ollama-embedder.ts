import { Ollama } from 'ollama';
import type { Embedder } from '../../core/contracts/embedder.js';
import { PieBrainError } from '../../core/errors.js';

export interface OllamaEmbedderOptions {
  host: string;
  /** An Ollama embedding model, e.g. nomic-embed-text. */
  model: string;
  /** Longest wait for one /api/embed answer (the first call may load the model). */
  timeoutMs?: number;
  /** How long Ollama keeps the model loaded after a call. */
  keepAlive?: string;
  fetch?: typeof fetch;
}

function normalize(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i += 1) vector[i] = (vector[i] as number) / norm;
  return vector;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status_code?: unknown }).status_code;
  return typeof status === 'number' ? status : undefined;
}

/** Embeddings from Ollama's /api/embed: the model lives in the Ollama server, not in pie-brain's memory. */
export class OllamaEmbedder implements Embedder {
  readonly id: string;

  constructor(private readonly options: OllamaEmbedderOptions) {
    this.id = `ollama:${options.model}`;
  }

  isLoaded(): boolean {
    return false;
  }

  async unload(): Promise<void> {}

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { host, model, timeoutMs = 120_000, keepAlive } = this.options;
    const baseFetch = this.options.fetch ?? fetch;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    // A client per call: the only way to hand this call's deadline and cancel signal to the SDK's requests.
    const client = new Ollama({ host, fetch: (input, init) => baseFetch(input, { ...init, signal: combined }) });
    let response: Awaited<ReturnType<Ollama['embed']>>;
    try {
      response = await client.embed({ model, input: [...texts], truncate: true, ...(keepAlive ? { keep_alive: keepAlive } : {}) });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.toPieBrainError(error, timeout.aborted, timeoutMs);
    }
    const embeddings = Array.isArray(response.embeddings) ? response.embeddings : [];
    if (embeddings.length !== texts.length || embeddings.some((row) => !Array.isArray(row) || row.length === 0)) {
      throw new PieBrainError('LLM_BAD_OUTPUT', `Ollama returned ${embeddings.length} embeddings for ${texts.length} texts`);
    }
    return embeddings.map((row) => normalize(row));
  }

  private toPieBrainError(error: unknown, timedOut: boolean, timeoutMs: number): PieBrainError {
    const { model, host } = this.options;
    if (timedOut) {
      return new PieBrainError('TIMEOUT', `Ollama /api/embed took longer than ${timeoutMs} ms`, {
        cause: error,
        userMessage: 'Ollama took too long to compute embeddings; try again in a moment.',
      });
    }
    const status = statusOf(error);
    if (status === 404) {
      return new PieBrainError('MODEL_MISSING', `Ollama has no model ${model}`, {
        cause: error,
        userMessage: `Ollama does not have the embedding model ${model}. Run \`ollama pull ${model}\` (or \`pie-brain models pull\`).`,
      });
    }
    if (status !== undefined && status < 500) {
      return new PieBrainError('TOOL_FAILED', `Ollama refused /api/embed (${status})`, { cause: error });
    }
    return new PieBrainError('LLM_UNAVAILABLE', `Ollama at ${host} is not answering /api/embed`, {
      cause: error,
      userMessage: `Ollama is not reachable at ${host}.`,
    });
  }
}

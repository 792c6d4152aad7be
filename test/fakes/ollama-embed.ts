import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { json, RecordingServer } from './recording-server.js';

/** What the client sends to /api/embed. */
export interface EmbedBody {
  model?: string;
  input?: string | string[];
  truncate?: boolean;
  keep_alive?: string | number;
}

export type EmbedBehaviour =
  | { kind: 'ok' }
  | { kind: 'slow'; ms: number }
  | { kind: 'error'; status: number; error: string }
  | { kind: 'wrong-count' };

/** A bag of hashed words (unnormalised, so the client's normalisation is exercised). */
export function hashedBagOfWords(text: string, dim = 64): number[] {
  const vector = new Array<number>(dim).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const digest = createHash('sha256').update(word).digest();
    for (let i = 0; i < dim; i += 1) vector[i] = (vector[i] as number) + ((digest[i % digest.length] as number) - 127.5) / 10;
  }
  return vector;
}

/**
 * Ollama's POST /api/embed on 127.0.0.1 (embed-only; test/fakes/ollama-probe.ts covers the other endpoints):
 * `{model, input}` -> `{model, embeddings, total_duration, load_duration, prompt_eval_count}`; errors are
 * JSON `{error}` with the status, as the real server sends them.
 */
export class FakeOllamaEmbed {
  readonly models = new Set<string>(['nomic-embed-text']);
  behaviour: EmbedBehaviour = { kind: 'ok' };
  private readonly server = new RecordingServer();

  constructor(private readonly vectorOf: (text: string) => number[] = (text) => hashedBagOfWords(text)) {
    this.server.on('/api/embed', (request, response) => {
      const behaviour = this.behaviour;
      if (behaviour.kind === 'slow') setTimeout(() => this.answer(request.body as EmbedBody, response, behaviour), behaviour.ms);
      else this.answer(request.body as EmbedBody, response, behaviour);
    });
  }

  get requests(): Array<{ path: string; body: EmbedBody }> {
    return this.server.requests.map((request) => ({ path: request.path, body: request.body as EmbedBody }));
  }

  async listen(): Promise<string> {
    await this.server.start();
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.stop();
  }

  private answer(body: EmbedBody, response: ServerResponse, behaviour: EmbedBehaviour): void {
    if (response.destroyed) return;
    if (behaviour.kind === 'error') {
      json(response, behaviour.status, { error: behaviour.error });
      return;
    }
    if (!body?.model || !this.models.has(body.model)) {
      json(response, 404, { error: `model "${body?.model}" not found, try pulling it first` });
      return;
    }
    const inputs = typeof body.input === 'string' ? [body.input] : (body.input ?? []);
    const embeddings = inputs.map((text) => this.vectorOf(text));
    if (behaviour.kind === 'wrong-count') embeddings.pop();
    json(response, 200, {
      model: body.model,
      embeddings,
      total_duration: 1_000_000,
      load_duration: 10_000,
      prompt_eval_count: inputs.length * 8,
    });
  }
}

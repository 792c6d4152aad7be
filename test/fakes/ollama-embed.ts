import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbedRequestRecord {
  path: string;
  body: { model?: string; input?: string | string[]; truncate?: boolean; keep_alive?: string | number };
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
 * Ollama's POST /api/embed on 127.0.0.1 (embed-only; the full Ollama fake lives in test/fakes/ollama.ts
 * on another branch): `{model, input}` -> `{model, embeddings, total_duration, load_duration,
 * prompt_eval_count}`; errors are JSON `{error}` with the status, as the real server sends them.
 */
export class FakeOllamaEmbed {
  readonly requests: EmbedRequestRecord[] = [];
  readonly models = new Set<string>(['nomic-embed-text']);
  behaviour: EmbedBehaviour = { kind: 'ok' };
  private readonly server: Server;

  constructor(private readonly vectorOf: (text: string) => number[] = (text) => hashedBagOfWords(text)) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as EmbedRequestRecord['body']) : {};
    this.requests.push({ path: request.url ?? '', body });
    const send = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    if (request.method !== 'POST' || request.url !== '/api/embed') return send(404, { error: 'not found' });
    const behaviour = this.behaviour;
    if (behaviour.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.ms));
    if (behaviour.kind === 'error') return send(behaviour.status, { error: behaviour.error });
    if (!body.model || !this.models.has(body.model)) return send(404, { error: `model "${body.model}" not found, try pulling it first` });
    const inputs = typeof body.input === 'string' ? [body.input] : (body.input ?? []);
    const embeddings = inputs.map((text) => this.vectorOf(text));
    if (behaviour.kind === 'wrong-count') embeddings.pop();
    send(200, { model: body.model, embeddings, total_duration: 1_000_000, load_duration: 10_000, prompt_eval_count: inputs.length * 8 });
  }
}

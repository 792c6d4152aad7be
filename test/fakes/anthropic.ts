import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Delays } from './delays.js';

export interface RecordedAnthropicRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** One scripted answer: an error status, or a message (text and usage). */
export type FakeAnthropicAnswer =
  | { status: number; type: string; message: string; headers?: Record<string, string> }
  | { text: string; usage?: Partial<FakeUsage>; delayMs?: number };

export const DEFAULT_USAGE: FakeUsage = {
  input_tokens: 3,
  output_tokens: 797,
  cache_creation_input_tokens: 14_146,
  cache_read_input_tokens: 2_000,
  cache_creation: { ephemeral_5m_input_tokens: 14_146, ephemeral_1h_input_tokens: 0 },
};

/**
 * The Anthropic Messages API on 127.0.0.1: `POST /v1/messages`, JSON or SSE (every event with its `event:`
 * line), usage with cache tokens, and scripted errors (429 with retry-after, 529 overloaded, 400), for any
 * request or for one model; a retired model answers 404 not_found_error as the real API does. It records
 * every request. Point the SDK at it with baseURL (or ANTHROPIC_BASE_URL).
 */
export class FakeAnthropic {
  readonly requests: RecordedAnthropicRequest[] = [];
  private readonly script: FakeAnthropicAnswer[] = [];
  private readonly byModel = new Map<string, FakeAnthropicAnswer[]>();
  private readonly retired = new Set<string>();
  private server: Server | undefined;
  private readonly delays = new Delays();
  url = '';

  /** The next requests get these answers, in order; afterwards every request gets a default message. */
  answer(...answers: FakeAnthropicAnswer[]): void {
    this.script.push(...answers);
  }

  /** The next requests for `model` get these answers, in order, before the general script. */
  answerFor(model: string, ...answers: FakeAnthropicAnswer[]): void {
    this.byModel.set(model, [...(this.byModel.get(model) ?? []), ...answers]);
  }

  /** From now on `model` is not served: 404 not_found_error, as the API answers for a retired model. */
  retire(model: string): void {
    this.retired.add(model);
  }

  /** The models the requests named, in order. */
  models(): string[] {
    return this.requests.map((request) => String(request.body.model));
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.delays.cancelAll();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    this.requests.push({ at: Date.now(), method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
    if (request.method !== 'POST' || !request.url?.startsWith('/v1/messages')) {
      this.json(response, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
      return;
    }
    const auth = request.headers.authorization ?? request.headers['x-api-key'];
    if (!auth) {
      this.json(response, 401, { type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
      return;
    }
    const requested = typeof body.model === 'string' ? body.model : '';
    if (this.retired.has(requested)) {
      this.json(response, 404, { type: 'error', error: { type: 'not_found_error', message: `model: ${requested}` } });
      return;
    }
    const answer = this.byModel.get(requested)?.shift() ??
      this.script.shift() ?? { text: `Answer to: ${JSON.stringify(body.messages).slice(0, 200)}` };
    if ('status' in answer) {
      this.json(response, answer.status, { type: 'error', error: { type: answer.type, message: answer.message } }, answer.headers);
      return;
    }
    if (answer.delayMs) await this.delays.wait(answer.delayMs);
    if (response.destroyed) return;
    const usage = { ...DEFAULT_USAGE, ...answer.usage };
    const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5';
    const id = `msg_${this.requests.length}`;
    if (body.stream === true) this.stream(response, id, model, answer.text, usage);
    else {
      this.json(response, 200, {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: answer.text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage,
      });
    }
  }

  private stream(response: ServerResponse, id: string, model: string, text: string, usage: FakeUsage): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${id}` });
    const send = (event: string, data: Record<string, unknown>) =>
      response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    send('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('ping', {});
    const half = Math.ceil(text.length / 2);
    for (const part of [text.slice(0, half), text.slice(half)]) {
      if (part) send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: part } });
    }
    send('content_block_stop', { index: 0 });
    send('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    send('message_stop', {});
    response.end();
  }

  private json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.requests.length}`, ...headers });
    response.end(JSON.stringify(body));
  }
}

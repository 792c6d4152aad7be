import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Delays } from './delays.js';

/** One request the fake received, with its parsed JSON body. */
export interface RecordedOllamaRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
  at: number;
}

/** The body of a recorded /api/chat request (what the `ollama` client sent). */
export interface RecordedChat {
  model: string;
  messages: Array<{ role: string; content: string }>;
  format?: unknown;
  keep_alive?: string | number;
  options?: Record<string, unknown>;
  stream?: boolean;
}

/**
 * How the fake answers one /api/chat request: a plain string is the assistant's content; an object can
 * set token counts, a delay, or an HTTP error (`status` + `error`); `drop` closes the socket without an answer.
 */
export type ChatScript =
  | string
  | {
      content?: string;
      delayMs?: number;
      status?: number;
      error?: string;
      drop?: boolean;
      promptEvalCount?: number;
      evalCount?: number;
      doneReason?: string;
    };

export type ChatHandler = (request: RecordedChat) => ChatScript | Promise<ChatScript>;
export type EmbedHandler = (inputs: string[], model: string) => number[][];

export interface FakeModel {
  name: string;
  parameterSize?: string;
  contextLength?: number;
}

export interface FakeOllamaOptions {
  models?: FakeModel[];
  version?: string;
  /** Dimensions of the default deterministic embeddings. */
  embedDimensions?: number;
}

const NANOS_PER_MS = 1_000_000;

/** A deterministic unit vector from the text's hash: same text, same vector; different texts, different vectors. */
export function hashEmbedding(text: string, dimensions: number): number[] {
  const vector: number[] = [];
  let block = createHash('sha256').update(text).digest();
  for (let i = 0; vector.length < dimensions; i += 1) {
    if (i * 4 >= block.length) {
      block = createHash('sha256').update(block).digest();
      i = 0;
    }
    vector.push(block.readInt32LE(i * 4) / 2 ** 31);
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/**
 * A loopback Ollama server speaking the real wire protocol of /api/chat (plain and NDJSON stream),
 * /api/tags, /api/ps, /api/embed and /api/version. Scriptable per request (answers, latency, HTTP errors,
 * dropped connections), records every request, and can be taken down and brought back on the same port.
 */
export class FakeOllama {
  readonly requests: RecordedOllamaRequest[] = [];
  /** Added to every answer (ms of real time). */
  latencyMs = 0;
  /** While true every request's connection is destroyed unanswered (the client sees a network error). */
  down = false;
  private server: Server | undefined;
  private port = 0;
  private readonly scripted: ChatScript[] = [];
  private chatHandler: ChatHandler = () => '{}';
  private embedHandler: EmbedHandler;
  private readonly delays = new Delays();
  private readonly gates: Array<{ opened: Promise<void>; open: () => void }> = [];
  private readonly models: FakeModel[];
  private readonly version: string;

  constructor(options: FakeOllamaOptions = {}) {
    this.models = options.models ?? [{ name: 'qwen2.5:1.5b', parameterSize: '1.5B', contextLength: 4096 }];
    this.version = options.version ?? '0.12.6';
    const dimensions = options.embedDimensions ?? 16;
    this.embedHandler = (inputs) => inputs.map((text) => hashEmbedding(text, dimensions));
  }

  /** `http://127.0.0.1:PORT`, for `new Ollama({ host })` or OLLAMA_HOST. */
  get host(): string {
    if (!this.server) throw new Error('FakeOllama is not started');
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.delays.cancelAll();
    for (const gate of this.gates.splice(0)) gate.open();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answer the next /api/chat requests with these, in order; then the handler decides. */
  answerChat(...answers: ChatScript[]): void {
    this.scripted.push(...answers);
  }

  /** How /api/chat answers once the scripted answers are used up. */
  onChat(handler: ChatHandler): void {
    this.chatHandler = handler;
  }

  onEmbed(handler: EmbedHandler): void {
    this.embedHandler = handler;
  }

  /** Hold the next /api/chat answer until the returned function is called (requests still get recorded). */
  holdNextChat(): () => void {
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.gates.push({ opened, open });
    return open;
  }

  chats(): RecordedChat[] {
    return this.requests.filter((r) => r.path === '/api/chat').map((r) => r.body as unknown as RecordedChat);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      sendJson(res, 400, { error: 'invalid JSON body' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    this.requests.push({ method: req.method ?? 'GET', path, body, at: Date.now() });
    if (this.latencyMs > 0) await this.delays.wait(this.latencyMs);
    if (!this.server) return;
    switch (`${req.method} ${path}`) {
      case 'POST /api/chat':
        await this.answerChatRequest(body as unknown as RecordedChat, res);
        return;
      case 'GET /api/tags':
        sendJson(res, 200, { models: this.models.map((m) => this.describeModel(m)) });
        return;
      case 'GET /api/ps':
        sendJson(res, 200, {
          models: this.models.map((m) => ({
            ...this.describeModel(m),
            expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
            size_vram: 0,
            context_length: m.contextLength ?? 4096,
          })),
        });
        return;
      case 'GET /api/version':
        sendJson(res, 200, { version: this.version });
        return;
      case 'POST /api/embed': {
        const input = body.input;
        const inputs = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
        const model = String(body.model ?? '');
        sendJson(res, 200, {
          model,
          embeddings: this.embedHandler(inputs, model),
          total_duration: 1000,
          load_duration: 0,
          prompt_eval_count: inputs.join(' ').split(/\s+/).length,
        });
        return;
      }
      default:
        sendJson(res, 404, { error: `404 page not found: ${req.method} ${path}` });
    }
  }

  private async answerChatRequest(request: RecordedChat, res: ServerResponse): Promise<void> {
    const gate = this.gates.shift();
    if (gate) await gate.opened;
    const next = this.scripted.shift() ?? (await this.chatHandler(request));
    const script = typeof next === 'string' ? { content: next } : next;
    if (script.delayMs) await this.delays.wait(script.delayMs);
    if (!this.server || res.destroyed) return;
    if (script.drop) {
      res.socket?.destroy();
      return;
    }
    if (script.status && script.status >= 400) {
      sendJson(res, script.status, { error: script.error ?? 'scripted failure' });
      return;
    }
    const content = script.content ?? '';
    const model = request.model;
    const promptEvalCount = script.promptEvalCount ?? estimateTokens(request.messages.map((m) => m.content).join('\n'));
    const evalCount = script.evalCount ?? estimateTokens(content);
    const stats = {
      done: true,
      done_reason: script.doneReason ?? 'stop',
      total_duration: 5 * NANOS_PER_MS,
      load_duration: 1 * NANOS_PER_MS,
      prompt_eval_count: promptEvalCount,
      prompt_eval_duration: 2 * NANOS_PER_MS,
      eval_count: evalCount,
      eval_duration: 2 * NANOS_PER_MS,
    };
    const createdAt = new Date().toISOString();
    if (!request.stream) {
      sendJson(res, 200, { model, created_at: createdAt, message: { role: 'assistant', content }, ...stats });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const piece of content.match(/[\s\S]{1,8}/g) ?? []) {
      res.write(`${JSON.stringify({ model, created_at: createdAt, message: { role: 'assistant', content: piece }, done: false })}\n`);
    }
    res.end(`${JSON.stringify({ model, created_at: createdAt, message: { role: 'assistant', content: '' }, ...stats })}\n`);
  }

  private describeModel(model: FakeModel) {
    return {
      name: model.name,
      model: model.name,
      modified_at: '2026-11-01T00:00:00Z',
      size: 986_000_000,
      digest: createHash('sha256').update(model.name).digest('hex'),
      details: { family: 'qwen2', parameter_size: model.parameterSize ?? '1.5B', quantization_level: 'Q4_K_M' },
    };
  }
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

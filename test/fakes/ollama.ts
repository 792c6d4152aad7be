import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Delays } from './delays.js';
import { hashedBagOfWords, normalized } from './ollama-embeddings.js';
import { defaultModels, describeLoadedModel, describeModel, type FakeModel, sameModel } from './ollama-models.js';

export { hashedBagOfWords } from './ollama-embeddings.js';
export type { FakeModel } from './ollama-models.js';

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

/** The body of a recorded /api/embed request. */
export interface RecordedEmbed {
  model: string;
  input: string | string[];
  truncate?: boolean;
  keep_alive?: string | number;
}

/** What any scripted answer can do instead of answering at once: wait, fail with an HTTP status, or drop the socket. */
export interface ScriptedFault {
  delayMs?: number;
  status?: number;
  error?: string;
  drop?: boolean;
}

/**
 * How the fake answers one /api/chat request: a plain string is the assistant's content; an object can
 * set token counts, a delay, or an HTTP error (`status` + `error`); `drop` closes the socket without an answer.
 */
export type ChatScript =
  | string
  | (ScriptedFault & {
      content?: string;
      promptEvalCount?: number;
      evalCount?: number;
      doneReason?: string;
    });

/** How the fake answers one /api/embed request: a fault, or exactly these vectors (e.g. too few of them). */
export type EmbedScript = ScriptedFault & { embeddings?: number[][] };

export type ChatHandler = (request: RecordedChat) => ChatScript | Promise<ChatScript>;
export type EmbedHandler = (inputs: string[], model: string) => number[][];

export interface FakeOllamaOptions {
  /** Models pulled (GET /api/tags); chat and embed answer 404 for any other. Default: qwen2.5:1.5b, all-minilm and nomic-embed-text. */
  installed?: FakeModel[];
  /** Models in memory (GET /api/ps) at the start; default none. */
  loaded?: FakeModel[];
  version?: string;
  /** Dimensions of the default embeddings (unit-length hashed bags of words). */
  embedDimensions?: number;
}

const NANOS_PER_MS = 1_000_000;
// Ollama's default keep_alive: how long /api/ps says a model stays loaded.
const KEEP_ALIVE_MS = 5 * 60_000;

/**
 * A loopback Ollama server speaking the real wire protocol of /api/chat (plain and NDJSON stream),
 * /api/embed, /api/tags, /api/ps, /api/version and /api/pull. Like the real server it answers 404 for models it has
 * not pulled, and a chat or embed loads its model into /api/ps (keep_alive 0 unloads it). Scriptable per
 * request (answers, latency, HTTP errors, dropped connections) or for every request (`down`, `failWith`,
 * `latencyMs`), records every request, and can be taken down and brought back on the same port.
 */
export class FakeOllama {
  readonly requests: RecordedOllamaRequest[] = [];
  /** Added to every answer (ms of real time). */
  latencyMs = 0;
  /** While true every request's connection is destroyed unanswered (the client sees a network error). */
  down = false;
  /** An HTTP status every request answers with (JSON `{error}`) instead of its real answer, e.g. 500. */
  failWith: number | null = null;
  installed: FakeModel[];
  loaded: FakeModel[];
  version: string;
  /** Which names /api/pull can fetch; default every name. */
  pullable: (model: string) => boolean = () => true;
  private server: Server | undefined;
  private port = 0;
  private readonly scriptedChats: ChatScript[] = [];
  private readonly scriptedEmbeds: EmbedScript[] = [];
  private chatHandler: ChatHandler = () => '{}';
  private embedHandler: EmbedHandler;
  private readonly delays = new Delays();
  private readonly gates: Array<{ opened: Promise<void>; open: () => void }> = [];

  constructor(options: FakeOllamaOptions = {}) {
    this.installed = options.installed ?? defaultModels();
    this.loaded = options.loaded ?? [];
    this.version = options.version ?? '0.12.6';
    const dimensions = options.embedDimensions ?? 64;
    this.embedHandler = (inputs) => inputs.map((text) => normalized(hashedBagOfWords(text, dimensions)));
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

  /** Between tests: forget requests and unused scripted answers, release held answers, answer normally again (handlers stay). */
  reset(): void {
    this.requests.length = 0;
    this.scriptedChats.length = 0;
    this.scriptedEmbeds.length = 0;
    for (const gate of this.gates.splice(0)) gate.open();
    this.down = false;
    this.failWith = null;
    this.latencyMs = 0;
  }

  /** Answer the next /api/chat requests with these, in order; then the handler decides. */
  answerChat(...answers: ChatScript[]): void {
    this.scriptedChats.push(...answers);
  }

  /** How /api/chat answers once the scripted answers are used up. */
  onChat(handler: ChatHandler): void {
    this.chatHandler = handler;
  }

  /** Answer the next /api/embed requests with these, in order; then the handler computes the vectors. */
  answerEmbed(...answers: EmbedScript[]): void {
    this.scriptedEmbeds.push(...answers);
  }

  /** The vectors /api/embed returns (default: unit-length hashed bags of words). */
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

  embeds(): RecordedEmbed[] {
    return this.requests.filter((r) => r.path === '/api/embed').map((r) => r.body as unknown as RecordedEmbed);
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
    if (this.latencyMs > 0) await this.delay(this.latencyMs);
    if (!this.server || res.destroyed) return;
    if (this.failWith !== null) {
      sendJson(res, this.failWith, { error: 'scripted failure' });
      return;
    }
    switch (`${req.method} ${path}`) {
      case 'POST /api/chat':
        await this.answerChatRequest(body as unknown as RecordedChat, res);
        return;
      case 'POST /api/embed':
        await this.answerEmbedRequest(body as unknown as RecordedEmbed, res);
        return;
      case 'GET /api/tags':
        sendJson(res, 200, { models: this.installed.map(describeModel) });
        return;
      case 'GET /api/ps': {
        const expiresAt = new Date(Date.now() + KEEP_ALIVE_MS);
        sendJson(res, 200, { models: this.loaded.map((model) => describeLoadedModel(model, expiresAt)) });
        return;
      }
      case 'GET /api/version':
        sendJson(res, 200, { version: this.version });
        return;
      case 'POST /api/pull':
        this.answerPull(String(body.model ?? body.name ?? ''), res);
        return;
      default:
        sendJson(res, 404, { error: `404 page not found: ${req.method} ${path}` });
    }
  }

  /** /api/pull: NDJSON progress lines, then `success`; a name the registry does not know (`pullable`) is an error line. */
  private answerPull(model: string, res: ServerResponse): void {
    if (!this.pullable(model)) {
      sendJson(res, 500, { error: 'pull model manifest: file does not exist' });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ status: 'pulling manifest' })}\n`);
    res.write(
      `${JSON.stringify({ status: 'pulling 797b70c4edf8', digest: 'sha256:797b70c4edf8', total: 45_000_000, completed: 45_000_000 })}\n`,
    );
    res.write(`${JSON.stringify({ status: 'verifying sha256 digest' })}\n`);
    if (!this.installed.some((installed) => sameModel(installed.name, model)))
      this.installed.push({ name: model.includes(':') ? model : `${model}:latest` });
    res.end(`${JSON.stringify({ status: 'success' })}\n`);
  }

  private async answerChatRequest(request: RecordedChat, res: ServerResponse): Promise<void> {
    const gate = this.gates.shift();
    if (gate) await gate.opened;
    const next = this.scriptedChats.shift() ?? (await this.chatHandler(request));
    const script = typeof next === 'string' ? { content: next } : next;
    if ((await this.answeredWithFault(script, res)) || this.answeredModelMissing(request.model, res)) return;
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
    this.keepLoaded(model, request.keep_alive);
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

  private async answerEmbedRequest(request: RecordedEmbed, res: ServerResponse): Promise<void> {
    const script = this.scriptedEmbeds.shift() ?? {};
    const model = String(request.model ?? '');
    if ((await this.answeredWithFault(script, res)) || this.answeredModelMissing(model, res)) return;
    const inputs = Array.isArray(request.input) ? request.input.map(String) : [String(request.input ?? '')];
    this.keepLoaded(model, request.keep_alive);
    sendJson(res, 200, {
      model,
      embeddings: script.embeddings ?? this.embedHandler(inputs, model),
      total_duration: 1 * NANOS_PER_MS,
      load_duration: 10_000,
      prompt_eval_count: inputs.reduce((sum, text) => sum + estimateTokens(text), 0),
    });
  }

  /** Waits, drops or fails as scripted; true when that settled the request. */
  private async answeredWithFault(fault: ScriptedFault, res: ServerResponse): Promise<boolean> {
    if (fault.delayMs) await this.delay(fault.delayMs);
    if (!this.server || res.destroyed) return true;
    if (fault.drop) {
      res.socket?.destroy();
      return true;
    }
    if (fault.status && fault.status >= 400) {
      sendJson(res, fault.status, { error: fault.error ?? 'scripted failure' });
      return true;
    }
    return false;
  }

  /** Ollama's answer for a model it has not pulled. */
  private answeredModelMissing(model: string, res: ServerResponse): boolean {
    if (this.installed.some((installed) => sameModel(installed.name, model))) return false;
    sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });
    return true;
  }

  /** A call loads its model until keep_alive passes; keep_alive 0 unloads it right after. */
  private keepLoaded(model: string, keepAlive: unknown): void {
    const index = this.loaded.findIndex((loaded) => sameModel(loaded.name, model));
    const unload = keepAlive === 0 || (typeof keepAlive === 'string' && /^0[a-z]*$/.test(keepAlive));
    if (unload && index >= 0) this.loaded.splice(index, 1);
    if (!unload && index < 0) this.loaded.push(this.installed.find((installed) => sameModel(installed.name, model)) ?? { name: model });
  }

  private delay(ms: number): Promise<void> {
    return this.delays.wait(ms);
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

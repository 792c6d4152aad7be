import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MultipartPart, parseMultipart } from './multipart.js';
import { asNumber, asObject, type FakeChat, FakeChats, type FakeMessage, type FakeUser } from './telegram-chats.js';

export type { FakeChat, FakeMessage, FakeUser } from './telegram-chats.js';

import { ApiFailure, type FakeUpdate, FakeUpdateQueue } from './telegram-updates.js';

/** One call the bot made, as the fake received it. */
export interface RecordedRequest {
  method: string;
  params: Record<string, unknown>;
  files: MultipartPart[];
  /** The HTTP status the fake answered with (0 while a long poll is held). */
  status: number;
  at: number;
}

/** An error the fake answers with instead of doing the call. */
export interface ScriptedFailure {
  error_code: number;
  description?: string;
  retry_after?: number;
  /** Only calls whose params match (any call when omitted). */
  when?: (params: Record<string, unknown>) => boolean;
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  429: 'Too Many Requests: retry after',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/**
 * The Telegram Bot API on 127.0.0.1: `POST /bot<token>/<method>`, JSON or multipart, answers
 * `{ok,result}` or `{ok:false,error_code,description,parameters}`. getUpdates long-polls and confirms by
 * offset; a webhook, once set, gets updates POSTed with the secret header. Every request is recorded;
 * failures (429 with retry_after, 500, "can't parse entities") can be scripted per method.
 */
export class FakeTelegramBotApi {
  readonly requests: RecordedRequest[] = [];
  readonly bot: FakeUser;
  readonly chats: FakeChats;
  readonly token: string;
  webhook: { url: string; secret_token?: string; allowed_updates?: unknown } | undefined;
  private server: Server | undefined;
  private port = 0;
  private readonly updates = new FakeUpdateQueue();
  private readonly failures = new Map<string, ScriptedFailure[]>();
  private readonly events = new EventEmitter();

  constructor(options: { token?: string; botUsername?: string } = {}) {
    this.token = options.token ?? '123456:TEST-fake-token-abcdefghijklmnop';
    this.bot = {
      id: Number(this.token.split(':')[0]) || 123456,
      is_bot: true,
      first_name: 'pie-brain',
      username: options.botUsername ?? 'pie_brain_bot',
    };
    this.chats = new FakeChats(this.bot);
    this.events.setMaxListeners(0);
  }

  /** The apiRoot to give grammY (no trailing slash). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The highest offset the bot has confirmed with (every update below it is gone). */
  get confirmedOffset(): number {
    return this.updates.confirmedOffset;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Like a server going away: open connections (held long polls too) are cut, not answered. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The next calls of `method` fail with these errors, in order. */
  failNext(method: string, ...failures: ScriptedFailure[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
  }

  /** Make a chat known (forum or not) before anyone writes in it. */
  addChat(chat: FakeChat): FakeChat {
    return this.chats.add(chat);
  }

  privateChat(user: FakeUser): FakeChat {
    return { id: user.id, type: 'private' };
  }

  /** A user writes in a chat; returns the update, queued for getUpdates (or for deliverToWebhook). */
  userSends(options: { from: FakeUser; chat?: FakeChat; text?: string; threadId?: number; extra?: Record<string, unknown> }): FakeUpdate & {
    message: Record<string, unknown>;
  } {
    const chat = options.chat ?? this.privateChat(options.from);
    const text = options.text;
    const messageId = this.chats.userMessage(chat, text ?? '', options.threadId);
    const command = text ? /^\/\S+/.exec(text) : null;
    const message: Record<string, unknown> = {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: options.from,
      ...(text !== undefined ? { text } : {}),
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
      ...(options.threadId !== undefined ? { message_thread_id: options.threadId, is_topic_message: true } : {}),
      ...options.extra,
    };
    return { ...this.updates.add({ message }), message };
  }

  /** POST every pending update to the webhook as Telegram does (with `secret`; null: no header); returns the statuses. */
  async deliverToWebhook(secret: string | null = this.webhook?.secret_token ?? null): Promise<number[]> {
    if (!this.webhook) throw new Error('no webhook is set');
    return this.updates.deliver(this.webhook.url, secret ?? undefined);
  }

  /** Updates not yet confirmed (polling) or not yet accepted (webhook). */
  pendingUpdates(): number[] {
    return this.updates.ids();
  }

  calls(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** Messages the bot sent, in order (`chats.messages` has the users' too). */
  sent(chatId?: number): FakeMessage[] {
    return this.chats.messages.filter((m) => m.fromBot && (chatId === undefined || m.chatId === chatId));
  }

  /** Resolves with the first request (past or future) of `method` that matches. */
  waitForRequest(method: string, match: (r: RecordedRequest) => boolean = () => true, timeoutMs = 10_000): Promise<RecordedRequest> {
    return this.waitUntil(() => this.requests.find((r) => r.method === method && match(r)), timeoutMs, `a ${method} request`);
  }

  /** Resolves once the bot has sent `count` messages matching `match`. */
  waitForSent(count: number, match: (m: FakeMessage) => boolean = () => true, timeoutMs = 10_000): Promise<FakeMessage[]> {
    return this.waitUntil(
      () => {
        const found = this.sent().filter(match);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      `${count} sent messages`,
    );
  }

  private waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onRequest = () => {
        const found = check();
        if (found === undefined) return;
        clearTimeout(timer);
        this.events.off('request', onRequest);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.events.off('request', onRequest);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.events.on('request', onRequest);
    });
  }

  private takeFailure(method: string, params: Record<string, unknown>): ScriptedFailure | undefined {
    const list = this.failures.get(method) ?? [];
    const index = list.findIndex((failure) => !failure.when || failure.when(params));
    return index === -1 ? undefined : list.splice(index, 1)[0];
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? '/', this.url).pathname);
    const method = match?.[2] ?? '';
    let params: Record<string, unknown> = {};
    let files: MultipartPart[] = [];
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const parts = parseMultipart(body, type);
      files = parts.filter((p) => p.filename !== undefined);
      params = Object.fromEntries(parts.filter((p) => p.filename === undefined).map((p) => [p.name, p.data.toString('utf8')]));
    } else if (body.length) {
      params = type.includes('json') ? JSON.parse(body.toString('utf8')) : Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
    // Recorded on arrival (a long poll may be held for a while); the status is filled in when answered.
    const record: RecordedRequest = { method, params, files, status: 0, at: Date.now() };
    this.requests.push(record);
    this.events.emit('request', record);
    const answer = (status: number, payload: unknown) => {
      record.status = status;
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      this.events.emit('request', record);
    };
    const fail = (error: ApiFailure) =>
      answer(error.error_code, {
        ok: false,
        error_code: error.error_code,
        description: error.description,
        ...(error.parameters ? { parameters: error.parameters } : {}),
      });
    if (!match || match[1] !== this.token) {
      fail(new ApiFailure(401, 'Unauthorized'));
      return;
    }
    const scripted = this.takeFailure(method, params);
    if (scripted) {
      const { error_code, retry_after } = scripted;
      const description = scripted.description ?? `${DEFAULT_DESCRIPTIONS[error_code] ?? 'Error'}${retry_after ? ` ${retry_after}` : ''}`;
      fail(new ApiFailure(error_code, description, retry_after !== undefined ? { retry_after } : undefined));
      return;
    }
    try {
      if (method === 'getUpdates') this.getUpdates(params, res, (result) => answer(200, { ok: true, result }), fail);
      else answer(200, { ok: true, result: this.call(method, params, files) });
    } catch (error) {
      if (error instanceof ApiFailure) fail(error);
      else fail(new ApiFailure(500, `Internal Server Error: ${(error as Error).message}`));
    }
  }

  private getUpdates(
    params: Record<string, unknown>,
    res: ServerResponse,
    done: (updates: unknown[]) => void,
    fail: (error: ApiFailure) => void,
  ): void {
    if (this.webhook) {
      fail(
        new ApiFailure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"),
      );
      return;
    }
    const offset = asNumber(params.offset);
    const limit = asNumber(params.limit);
    const timeoutSeconds = asNumber(params.timeout);
    this.updates.poll(
      {
        ...(offset !== undefined ? { offset } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      },
      res,
      done,
      fail,
    );
  }

  private call(method: string, params: Record<string, unknown>, files: MultipartPart[]): unknown {
    switch (method) {
      case 'getMe':
        return { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'deleteWebhook':
        this.webhook = undefined;
        if (params.drop_pending_updates === true) this.updates.drop();
        return true;
      case 'setWebhook':
        this.webhook = { url: String(params.url), ...(params.secret_token ? { secret_token: String(params.secret_token) } : {}) };
        if (params.drop_pending_updates === true) this.updates.drop();
        return true;
      case 'getWebhookInfo':
        return { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.updates.ids().length };
      case 'setMyCommands':
        for (const command of (asObject(params.commands) as unknown as Array<{ command: string }>) ?? []) {
          if (!/^[a-z0-9_]{1,32}$/.test(command.command)) throw new ApiFailure(400, 'Bad Request: BOT_COMMAND_INVALID');
        }
        return true;
      case 'sendChatAction':
        this.chats.chatOf(params);
        return true;
      case 'sendMessage':
        return this.chats.sendMessage(params);
      case 'sendPhoto':
        return this.chats.sendPhoto(params, files);
      case 'editMessageText':
        return this.chats.editMessageText(params);
      default:
        throw new ApiFailure(404, 'Not Found: method not found');
    }
  }
}

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeSocketMode, type SocketAck } from './slack-socket.js';

export type { SocketAck } from './slack-socket.js';

/** One request the fake received, whatever its endpoint. */
export interface SlackRequest {
  /** The Web API method (`chat.postMessage`), or `upload` / `response_url` for the other endpoints. */
  method: string;
  params: Record<string, unknown>;
  /** The token it came with (Authorization header or `token` field). */
  token: string | undefined;
  at: number;
}

/** A message as it now stands in a channel (chat.postMessage). */
export interface SlackMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
}

export interface SlackFile {
  id: string;
  filename: string;
  bytes: number;
  channel: string | undefined;
  threadTs: string | undefined;
  initialComment: string | undefined;
}

/** What the next call of a method gets instead of its normal answer. */
export type SlackFailure = { status: 429; retryAfterSeconds: number } | { status: number } | { error: string } | { delayMs: number };

export interface FakeSlackOptions {
  /** How often the Socket Mode server pings its clients (the SDK reconnects after 30 s without one). */
  pingIntervalMs?: number;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Form values holding objects arrive JSON-encoded (`files=[{"id":...}]`). */
function parseForm(body: string): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (/^[[{]/.test(value)) {
      try {
        params[key] = JSON.parse(value);
        continue;
      } catch {
        // not JSON after all: keep the string
      }
    }
    params[key] = value;
  }
  return params;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A loopback Slack: the Web API (POST /api/<method>, form-urlencoded, Bearer auth), the external file
 * upload URL, response_url, and the Socket Mode websocket. It records every request and can be
 * scripted to rate-limit, fail or refuse. Reusable from benches: start(), stop(), url, inject, read.
 */
export class FakeSlack extends EventEmitter {
  readonly botToken = 'xoxb-fake-bot-token';
  readonly appToken = 'xapp-fake-app-token';
  readonly signingSecret = 'fake-signing-secret';
  readonly botUserId = 'UPIEBRAIN';
  readonly botId = 'BPIEBRAIN';
  readonly teamId = 'TFAKE';
  readonly requests: SlackRequest[] = [];
  readonly messages: SlackMessage[] = [];
  readonly edits: SlackMessage[] = [];
  readonly files: SlackFile[] = [];
  private readonly server: Server;
  private readonly socketMode: FakeSocketMode;
  private readonly failures = new Map<string, SlackFailure[]>();
  private readonly pendingUploads = new Map<string, { filename: string; bytes: number }>();
  private counter = 0;
  private port = 0;

  constructor(options: FakeSlackOptions = {}) {
    super();
    this.socketMode = new FakeSocketMode(options.pingIntervalMs ?? 10_000);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => sendJson(res, 500, { ok: false, error: String(error) }));
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket-mode')) {
        socket.destroy();
        return;
      }
      this.socketMode.upgrade(req, socket, head);
    });
  }

  /** The server's base URL, e.g. http://127.0.0.1:PORT. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What SLACK_API_URL / slackApiUrl should be. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.socketMode.start();
  }

  async stop(): Promise<void> {
    this.socketMode.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next calls of `method` (or `*`: any method) fail like this, in order. */
  fail(method: string, ...failures: SlackFailure[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
  }

  calls(method: string): SlackRequest[] {
    return this.requests.filter((request) => request.method === method);
  }

  /** Open Socket Mode connections. */
  /** Pings Socket Mode clients sent to the fake. */
  get clientPings(): number {
    return this.socketMode.clientPings;
  }

  get socketCount(): number {
    return this.socketMode.socketCount;
  }

  /** Every ack a Socket Mode client sent. */
  get acks(): SocketAck[] {
    return this.socketMode.acks;
  }

  /** A slash command as Slack sends it (Socket Mode payload or the HTTP form fields). */
  commandPayload(command: string, text: string, options: { userId?: string; userName?: string; channelId?: string } = {}) {
    const n = this.next();
    return {
      token: 'verification-token-unused',
      team_id: this.teamId,
      team_domain: 'fake',
      channel_id: options.channelId ?? 'CGENERAL',
      channel_name: 'general',
      user_id: options.userId ?? 'UOWNER',
      user_name: options.userName ?? 'owner',
      command,
      text,
      api_app_id: 'AFAKE',
      is_enterprise_install: 'false',
      response_url: `${this.url}/response/${n}`,
      trigger_id: `${n}.${Date.now()}.trigger`,
    };
  }

  /** An Events API callback around `event` (Socket Mode payload or the HTTP JSON body). */
  eventPayload(event: Record<string, unknown>) {
    const n = this.next();
    return {
      token: 'verification-token-unused',
      team_id: this.teamId,
      api_app_id: 'AFAKE',
      event: { event_ts: event.ts, ...event },
      type: 'event_callback',
      event_id: `Ev${n}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: this.teamId, user_id: this.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
  }

  /** A fresh message timestamp, as Slack makes them ("seconds.micro"). */
  ts(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(this.next()).padStart(6, '0')}`;
  }

  /** Deliver a slash command over Socket Mode; resolves with the client's ack. */
  sendSlashCommand(payload: ReturnType<FakeSlack['commandPayload']>): Promise<SocketAck> {
    return this.socketMode.send('slash_commands', payload, true);
  }

  /** Deliver an Events API event over Socket Mode; resolves with the client's ack. */
  sendEvent(payload: ReturnType<FakeSlack['eventPayload']>): Promise<SocketAck> {
    return this.socketMode.send('events_api', payload, false);
  }

  /** Resolves with the first message (now or later) that matches. */
  waitForMessage(match: (message: SlackMessage) => boolean, timeoutMs = 10_000): Promise<SlackMessage> {
    return this.waitFor(() => this.messages.find(match), timeoutMs, 'a matching Slack message');
  }

  /** Resolves once `check` returns something, re-checking after every request. */
  waitFor<T>(check: () => T | undefined, timeoutMs = 10_000, what = 'a condition'): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onRequest = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.off('request', onRequest);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.off('request', onRequest);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.on('request', onRequest);
    });
  }

  private next(): number {
    this.counter += 1;
    return this.counter;
  }

  private record(method: string, params: Record<string, unknown>, token: string | undefined): void {
    this.requests.push({ method, params, token, at: Date.now() });
  }

  /** Applies a scripted failure; returns true when it answered the request. */
  private async applyFailure(method: string, res: ServerResponse): Promise<boolean> {
    const failure = this.failures.get(method)?.shift() ?? this.failures.get('*')?.shift();
    if (!failure) return false;
    if ('delayMs' in failure) {
      await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      return false;
    }
    if ('error' in failure) sendJson(res, 200, { ok: false, error: failure.error });
    else if ('retryAfterSeconds' in failure)
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfterSeconds) });
    else sendJson(res, failure.status, { ok: false, error: 'fake_server_error' });
    return true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    const body = await readBody(req);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (path.startsWith('/upload/')) return this.handleUpload(path.slice('/upload/'.length), req, body, res);
    if (path.startsWith('/response/')) {
      this.record('response_url', JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>, undefined);
      this.emit('request');
      if (!(await this.applyFailure('response_url', res))) sendJson(res, 200, { ok: true });
      return;
    }
    const method = /^\/api\/([\w.]+)$/.exec(path)?.[1];
    if (req.method !== 'POST' || !method) {
      sendJson(res, 404, { ok: false, error: 'not_found' });
      return;
    }
    const params = parseForm(body.toString('utf8'));
    const token = auth ?? (typeof params.token === 'string' ? params.token : undefined);
    this.record(method, params, token);
    try {
      if (await this.applyFailure(method, res)) return;
      const expected = method === 'apps.connections.open' ? this.appToken : this.botToken;
      if (token !== expected) sendJson(res, 200, { ok: false, error: token ? 'invalid_auth' : 'not_authed' });
      else sendJson(res, 200, this.answer(method, params));
    } finally {
      this.emit('request');
    }
  }

  private answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
    const text = typeof params.text === 'string' ? params.text : '';
    const channel = String(params.channel ?? '');
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'pie-brain',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
        };
      case 'apps.connections.open':
        return { ok: true, url: `ws://127.0.0.1:${this.port}/socket-mode?ticket=${this.next()}` };
      case 'chat.postMessage': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!text && !params.blocks) return { ok: false, error: 'no_text' };
        const threadTs = typeof params.thread_ts === 'string' ? params.thread_ts : undefined;
        const message: SlackMessage = { channel, ts: this.ts(), threadTs, text };
        this.messages.push(message);
        return {
          ok: true,
          channel,
          ts: message.ts,
          message: { type: 'message', text, user: this.botUserId, bot_id: this.botId, ts: message.ts, thread_ts: threadTs },
        };
      }
      case 'chat.update': {
        const ts = String(params.ts ?? '');
        const found = this.messages.find((m) => m.channel === channel && m.ts === ts);
        if (!found) return { ok: false, error: 'message_not_found' };
        found.text = text;
        this.edits.push({ ...found });
        return { ok: true, channel, ts, text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.ts() };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(params.users ?? '').split(',')[0]}` } };
      case 'files.getUploadURLExternal': {
        const id = `F${this.next()}`;
        this.pendingUploads.set(id, { filename: String(params.filename ?? ''), bytes: 0 });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal':
        return this.completeUploads(params);
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private async handleUpload(id: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    const file = [...form.values()].find((value) => typeof value !== 'string') as Blob | undefined;
    this.record('upload', { id, bytes: file?.size ?? 0 }, undefined);
    try {
      if (await this.applyFailure('upload', res)) return;
      const pending = this.pendingUploads.get(id);
      if (!pending || !file) {
        res.writeHead(400).end('bad upload');
        return;
      }
      pending.bytes = file.size;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${file.size}`);
    } finally {
      this.emit('request');
    }
  }

  private completeUploads(params: Record<string, unknown>): Record<string, unknown> {
    const listed = Array.isArray(params.files) ? (params.files as Array<{ id?: string; title?: string }>) : [];
    const done: Array<{ id: string; title: string | undefined }> = [];
    for (const entry of listed) {
      const pending = entry.id ? this.pendingUploads.get(entry.id) : undefined;
      if (!entry.id || !pending) return { ok: false, error: 'file_not_found' };
      this.files.push({
        id: entry.id,
        filename: pending.filename,
        bytes: pending.bytes,
        channel: typeof params.channel_id === 'string' ? params.channel_id : undefined,
        threadTs: typeof params.thread_ts === 'string' ? params.thread_ts : undefined,
        initialComment: typeof params.initial_comment === 'string' ? params.initial_comment : undefined,
      });
      done.push({ id: entry.id, title: entry.title });
    }
    return { ok: true, files: done };
  }
}

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Delays } from './delays.js';
import { FakeGateway } from './discord-gateway.js';
import {
  type Answer,
  attachmentsOf,
  checkContent,
  error,
  failure,
  ok,
  type PostedMessage,
  parseBody,
  type RecordedRequest,
  readBody,
  type ScriptedAnswer,
} from './discord-http.js';
import { FakeInteractions } from './discord-interactions.js';
import {
  ChannelType,
  commandInteractionPayload,
  type FakeChannel,
  type FakeUser,
  guildCreatePayload,
  messagePayload,
  readyPayload,
  snowflake,
  user,
} from './discord-payloads.js';

export type { PostedMessage, RecordedRequest, ScriptedAnswer } from './discord-http.js';
export { snowflake } from './discord-payloads.js';

const PREFIX = '/api/v10';

/**
 * A loopback Discord: REST (`{url}/v10/...`) plus the JSON gateway websocket, speaking what discord.js 14.28
 * expects. Records every request, can be scripted to answer slowly, fail or rate-limit,
 * and lets tests (and benches) inject messages and slash commands.
 */
export class FakeDiscord extends EventEmitter {
  readonly applicationId = snowflake();
  readonly guildId = snowflake();
  /** The bot's managed role in the guild. */
  readonly botRoleId = snowflake();
  readonly bot: FakeUser = user(snowflake(), 'pie-brain', true);
  readonly owner: FakeUser = user(snowflake(), 'owner');
  readonly friend: FakeUser = user(snowflake(), 'friend');
  readonly stranger: FakeUser = user(snowflake(), 'stranger');
  readonly general: FakeChannel;
  readonly thread: FakeChannel;
  readonly requests: RecordedRequest[] = [];
  readonly posted: PostedMessage[] = [];
  private readonly channels = new Map<string, FakeChannel>();
  private readonly interactions: FakeInteractions;
  private readonly scripts: ScriptedAnswer[] = [];
  private readonly delays = new Delays();
  private server: Server | undefined;
  private readonly gateway: FakeGateway;
  private port = 0;

  constructor(options: { heartbeatIntervalMs?: number } = {}) {
    super();
    this.interactions = new FakeInteractions({
      bot: this.bot,
      applicationId: this.applicationId,
      posted: this.posted,
      post: (message) => this.post(message),
    });
    this.gateway = new FakeGateway({
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      onIdentify: () => {
        queueMicrotask(() => this.emit('identified'));
        const members = [this.bot, this.owner, this.friend, this.stranger];
        return [
          { t: 'READY', d: readyPayload(this.bot, this.applicationId, this.guildId, this.gatewayUrl) },
          {
            t: 'GUILD_CREATE',
            d: guildCreatePayload(
              { id: this.guildId, ownerId: this.owner.id, bot: this.bot, botRoleId: this.botRoleId },
              [...this.channels.values()],
              members,
            ),
          },
        ];
      },
      onResume: () => this.emit('resumed'),
    });
    this.general = this.addChannel({ id: snowflake(), type: ChannelType.GuildText, name: 'general', guild_id: this.guildId });
    this.thread = this.addChannel({
      id: snowflake(),
      type: ChannelType.PublicThread,
      name: 'a thread',
      guild_id: this.guildId,
      parent_id: this.general.id,
    });
  }

  /** The REST base to hand discord.js (`rest.api`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.gateway.attach(server);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.delays.cancelAll();
    this.gateway.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  script(...answers: ScriptedAnswer[]): void {
    this.scripts.push(...answers.map((answer) => ({ times: 1, ...answer })));
  }

  addChannel(channel: FakeChannel): FakeChannel {
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The DM channel between the bot and `who` (created on first use, as Discord does). */
  dmChannel(who: FakeUser): FakeChannel {
    const existing = [...this.channels.values()].find((c) => c.type === ChannelType.DM && c.recipients?.[0]?.id === who.id);
    return existing ?? this.addChannel({ id: snowflake(), type: ChannelType.DM, recipients: [who] });
  }

  /** Resolves once a gateway session has identified and received READY and GUILD_CREATE. */
  whenIdentified(timeoutMs = 10_000): Promise<void> {
    if (this.identifies.length) return Promise.resolve();
    return this.waitForEvent('identified', () => true, timeoutMs, 'a gateway IDENTIFY').then(() => undefined);
  }

  /** A user writes in a channel (a guild channel, a thread, or a DM channel). Returns the message id. */
  userWrites(
    content: string,
    options: { channel?: FakeChannel; author?: FakeUser; mentions?: FakeUser[]; mentionRoles?: string[] } = {},
  ): string {
    const id = snowflake();
    const channel = options.channel ?? this.general;
    const author = options.author ?? this.owner;
    this.dispatch(
      'MESSAGE_CREATE',
      messagePayload({ id, channel, author, content, mentions: options.mentions ?? [], mentionRoles: options.mentionRoles ?? [] }),
    );
    return id;
  }

  /** `<@bot> text` in a guild channel or thread, mentioning the bot. */
  userMentionsBot(text: string, options: { channel?: FakeChannel; author?: FakeUser } = {}): string {
    return this.userWrites(`<@${this.bot.id}> ${text}`, { ...options, mentions: [this.bot] });
  }

  /** A user runs a slash command; returns the interaction's id and token. */
  userRunsCommand(
    name: string,
    options: Record<string, string> = {},
    where: { channel?: FakeChannel; author?: FakeUser } = {},
  ): { id: string; token: string } {
    const id = snowflake();
    const token = `tok-${id}-${Math.random().toString(36).slice(2)}`;
    const channel = where.channel ?? this.general;
    this.interactions.add({ id, token, channel });
    this.dispatch(
      'INTERACTION_CREATE',
      commandInteractionPayload({
        id,
        token,
        applicationId: this.applicationId,
        name,
        options: Object.entries(options).map(([key, value]) => ({ name: key, value })),
        channel,
        user: where.author ?? this.owner,
      }),
    );
    return { id, token };
  }

  /** The interaction's placeholder/answer (`@original`), if it was acknowledged. */
  original(token: string): { id: string; content: string; flags: number } | undefined {
    return this.interactions.original(token);
  }

  /** IDENTIFY payloads received (the token discord.js sent is in each). */
  get identifies(): readonly unknown[] {
    return this.gateway.identifies;
  }

  /** Send a gateway dispatch to every session. */
  dispatch(event: string, data: unknown): void {
    this.gateway.dispatch(event, data);
  }

  /** Drop every gateway connection; resolves once discord.js has resumed its session. */
  dropGateway(timeoutMs = 10_000): Promise<void> {
    const resumed = this.waitForEvent('resumed', () => true, timeoutMs, 'a gateway RESUME');
    this.gateway.drop();
    return resumed.then(() => undefined);
  }

  /** Resolves with the first request (already received or next) that matches. */
  waitForRequest(match: (request: RecordedRequest) => boolean, timeoutMs = 10_000): Promise<RecordedRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return this.waitForEvent('request', match, timeoutMs, 'a matching request');
  }

  /** Resolves once `count` messages were posted (in channels or as interaction answers). */
  async waitForPosted(count: number, timeoutMs = 10_000): Promise<PostedMessage[]> {
    if (this.posted.length < count) {
      await this.waitForEvent('posted', () => this.posted.length >= count, timeoutMs, `${count} posted messages`);
    }
    return this.posted;
  }

  private waitForEvent<T>(event: string, match: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, listener);
        reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const listener = (value: T) => {
        if (!match(value)) return;
        clearTimeout(timer);
        this.off(event, listener);
        resolve(value);
      };
      this.on(event, listener);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const path = decodeURIComponent(url.pathname).replace(PREFIX, '');
    const { body, files } = await parseBody(req, raw);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: { authorization: req.headers.authorization, 'content-type': req.headers['content-type'] },
      body,
      files,
      status: 0,
    };
    this.requests.push(record);
    const scripted = this.takeScript(record);
    if (scripted?.delayMs) await this.delays.wait(scripted.delayMs);
    if (res.destroyed) return;
    const answer = scripted?.status ? failure(scripted) : this.route(record);
    record.status = answer.status;
    res.writeHead(answer.status, { ...(answer.status === 204 ? {} : { 'content-type': 'application/json' }), ...answer.headers });
    res.end(answer.status === 204 ? undefined : JSON.stringify(answer.body ?? {}));
    this.emit('request', record);
  }

  private takeScript(record: RecordedRequest): ScriptedAnswer | undefined {
    const index = this.scripts.findIndex((s) => (!s.method || s.method === record.method) && (!s.path || s.path.test(record.path)));
    if (index < 0) return undefined;
    const script = this.scripts[index] as ScriptedAnswer;
    if (script.skip) {
      script.skip -= 1;
      return undefined;
    }
    script.times = (script.times ?? 1) - 1;
    if (script.times <= 0) this.scripts.splice(index, 1);
    return script;
  }
  /** Discord's routes this fake knows, as [method, path pattern, handler of the captured groups]. */
  private readonly routes: Array<[string, RegExp, (r: RecordedRequest, g: string[]) => Answer]> = [
    [
      'GET',
      /^\/gateway\/bot$/,
      () =>
        ok({ url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } }),
    ],
    ['GET', /^\/users\/@me$/, () => ok(this.bot)],
    ['POST', /^\/users\/@me\/channels$/, (r) => this.openDm(r)],
    [
      'PUT',
      /^\/applications\/\d+(?:\/guilds\/\d+)?\/commands$/,
      (r) =>
        ok(
          (r.body as Array<Record<string, unknown>>).map((c) => ({
            id: snowflake(),
            application_id: this.applicationId,
            version: '1',
            ...c,
          })),
        ),
    ],
    [
      'POST',
      /^\/channels\/(\d+)\/typing$/,
      (_r, [id]) => (this.channels.has(id as string) ? { status: 204 } : error(404, 10003, 'Unknown Channel')),
    ],
    ['POST', /^\/channels\/(\d+)\/messages$/, (r, [id]) => this.createChannelMessage(id as string, r)],
    ['PATCH', /^\/channels\/\d+\/messages\/(\d+)$/, (r, [id]) => this.editChannelMessage(id as string, r)],
    ['POST', /^\/interactions\/\d+\/([^/]+)\/callback$/, (r, [token]) => this.interactions.callback(token as string, r)],
    [
      '*',
      /^\/webhooks\/\d+\/([^/]+)\/messages\/([^/]+)$/,
      (r, [token, id]) => this.interactions.webhookMessage(token as string, id as string, r),
    ],
    ['POST', /^\/webhooks\/\d+\/([^/]+)$/, (r, [token]) => this.interactions.followUp(token as string, r)],
  ];

  private route(r: RecordedRequest): Answer {
    for (const [method, pattern, handler] of this.routes) {
      const match = pattern.exec(r.path);
      if (match && (method === '*' || method === r.method)) return handler(r, match.slice(1));
    }
    return error(404, 0, '404: Not Found');
  }

  private openDm(r: RecordedRequest): Answer {
    const recipient = [this.owner, this.friend, this.stranger].find((u) => u.id === (r.body as { recipient_id?: string }).recipient_id);
    return recipient ? ok(this.dmChannel(recipient)) : error(400, 50035, 'Invalid Form Body');
  }

  private createChannelMessage(channelId: string, r: RecordedRequest): Answer {
    const channel = this.channels.get(channelId);
    if (!channel) return error(404, 10003, 'Unknown Channel');
    const problem = checkContent(r);
    if (problem) return problem;
    const body = r.body as { content?: string; message_reference?: { message_id: string } };
    const id = snowflake();
    this.post({
      id,
      via: 'channel',
      channelId,
      content: body.content ?? '',
      files: r.files.map((f) => f.filename),
      ...(body.message_reference ? { reference: body.message_reference.message_id } : {}),
    });
    return ok(
      messagePayload({
        id,
        channel,
        author: this.bot,
        content: body.content ?? '',
        attachments: attachmentsOf(r),
        ...(body.message_reference ? { reference: body.message_reference.message_id } : {}),
      }),
    );
  }

  private editChannelMessage(messageId: string, r: RecordedRequest): Answer {
    const target = this.posted.find((p) => p.id === messageId && p.via === 'channel');
    if (!target) return error(404, 10008, 'Unknown Message');
    const problem = checkContent(r);
    if (problem) return problem;
    target.content = (r.body as { content?: string }).content ?? target.content;
    return ok(
      messagePayload({
        id: messageId,
        channel: this.channels.get(target.channelId) as FakeChannel,
        author: this.bot,
        content: target.content,
      }),
    );
  }

  private post(message: PostedMessage): void {
    this.posted.push(message);
    this.emit('posted', message);
  }
}

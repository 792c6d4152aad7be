import {
  type APIMessage,
  type ChatInputCommandInteraction,
  Client,
  Events,
  type Message,
  REST,
  type RESTOptions,
  Routes,
} from 'discord.js';
import type { AdapterCapabilities, ChatAdapter, Intake, ReplyPart, SendResult } from '../core/contracts/chat-adapter.js';
import type { MenuEntry } from '../core/contracts/command.js';
import { type Address, type InboundMessage, parseCommand, type Reply } from '../core/contracts/messages.js';
import { DIRECT_PREFIX } from '../core/engine/alerts.js';
import { PieBrainError } from '../core/errors.js';
import { BoundedMap } from '../core/lib/bounded-map.js';
import { type Clock, systemClock, type TimerHandle } from '../core/lib/clock.js';
import type { Logger } from '../core/logger.js';
import { UnstoredNotices } from './discord-unstored.js';
import {
  clientOptions,
  commandDefinitions,
  decodeInteraction,
  encodeInteraction,
  firstPart,
  INTERACTION_LIFETIME_MS,
  type InteractionTarget,
  isInteractionGone,
  isTokenRefused,
  joinOptions,
  LOADING_FLAG,
  MAX_LENGTH,
  NO_PINGS,
  NotDeferredError,
  type OutgoingMessage,
  renderReply,
  restOptions,
  snowflakeTime,
  toPieBrainError,
} from './discord-wire.js';

export interface DiscordAdapterOptions {
  token: string;
  /** REST base without version (config discord.apiUrl, env DISCORD_API_URL); the gateway URL comes from it. */
  apiUrl: string;
  /** Register slash commands in this guild only (instant); otherwise globally. */
  guildId?: string | null;
  logger: Logger;
  clock?: Clock;
  /** Every REST request is aborted after this long. */
  requestTimeoutMs?: number;
  /** How long start() waits for the gateway's READY before it keeps trying in the background. */
  readyTimeoutMs?: number;
  /** Show "typing…" only when an answer takes longer than this (default 1 s). */
  typingDelayMs?: number;
  /** The command table's menu: published as application commands, and how their options become arguments. */
  commands?: () => readonly MenuEntry[];
}

interface InteractionState {
  createdAt: number;
  /** Resolves true once the "thinking…" placeholder exists. */
  deferral: Promise<boolean>;
  originalUsed: boolean;
}

const RECONNECT_FIRST_MS = 5000;
const RECONNECT_MAX_MS = 300_000;

/**
 * Discord through discord.js: a gateway client for mentions, DMs and slash commands, and REST for every
 * answer, so the outbox can deliver before the gateway is up and after a restart.
 */
export class DiscordAdapter implements ChatAdapter {
  readonly platform = 'discord';
  readonly capabilities: AdapterCapabilities = { edit: true, threads: true, images: true, typing: true, maxLength: MAX_LENGTH };
  /** REST for every answer: it outlives gateway clients, which discord.js cannot reconnect once destroyed. */
  private readonly rest: REST;
  private readonly restOptions: Partial<RESTOptions>;
  private client: Client | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly interactions = new Map<string, InteractionState>();
  private readonly dmChannels = new BoundedMap<string, string>(1000);
  private readonly typingTimers = new Map<string, TimerHandle>();
  /** Parts of a split reply already delivered, so a retry after a partial failure does not repeat them. */
  private readonly unstored: UnstoredNotices;
  private intake: Intake | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private reconnectDelayMs = RECONNECT_FIRST_MS;
  private stopped = false;

  constructor(private readonly options: DiscordAdapterOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger.child({ platform: 'discord' });
    this.unstored = new UnstoredNotices({ send: (address, reply) => this.send(address, reply), clock: this.clock, logger: this.logger });
    this.restOptions = restOptions(options.apiUrl, options.requestTimeoutMs ?? 10_000);
    this.rest = new REST(this.restOptions).setToken(options.token);
  }

  async start(intake: Intake): Promise<void> {
    this.intake = intake;
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) this.clock.clearTimeout(this.reconnectTimer);
    for (const channelId of [...this.typingTimers.keys()]) this.cancelTyping(channelId);
    await this.dropClient();
    this.rest.clearHashSweeper();
    this.rest.clearHandlerSweeper();
  }

  connected(): boolean {
    return this.client?.isReady() ?? false;
  }

  async send(address: Address, reply: Reply, part: ReplyPart = { index: 0, total: 1 }): Promise<SendResult> {
    const target = decodeInteraction(address.replyTo);
    if (target && this.isFresh(target)) {
      try {
        return await this.answerInteraction(target, reply);
      } catch (error) {
        if (!isInteractionGone(error)) throw toPieBrainError(error, 'answer a slash command');
        this.logger.info({ interactionId: target.interactionId }, 'slash command can no longer be answered; posting in its channel');
      }
    }
    const channelId = await this.resolveChannel(address);
    // Only the first part of a reply answers the user's message.
    const replyTo = target || part.index > 0 ? undefined : address.replyTo;
    return this.postInChannel(channelId, replyTo, reply);
  }

  async edit(address: Address, messageId: string, reply: Reply): Promise<void> {
    const content = firstPart(reply);
    const target = decodeInteraction(address.replyTo);
    try {
      if (target && this.isFresh(target)) {
        await this.rest.patch(Routes.webhookMessage(target.applicationId, target.token, messageId), {
          body: { content, allowed_mentions: NO_PINGS },
          auth: false,
        });
        return;
      }
      await this.rest.patch(Routes.channelMessage(await this.resolveChannel(address), messageId), {
        body: { content, allowed_mentions: NO_PINGS },
      });
    } catch (error) {
      throw toPieBrainError(error, 'edit a message');
    }
  }

  /** Shown only if the answer takes longer than typingDelayMs: a fast answer should not cost a request. */
  async typing(address: Address): Promise<void> {
    // A deferred slash command already shows "pie-brain is thinking…".
    const target = decodeInteraction(address.replyTo);
    if (target && this.isFresh(target)) return;
    const channelId = await this.resolveChannel(address);
    this.cancelTyping(channelId);
    const timer = this.clock.setTimeout(() => {
      this.typingTimers.delete(channelId);
      this.rest.post(Routes.channelTyping(channelId)).catch((error: unknown) => {
        this.logger.debug({ reason: toPieBrainError(error, 'show typing').message }, 'typing indicator failed');
      });
    }, this.options.typingDelayMs ?? 1000);
    timer.unref?.();
    this.typingTimers.set(channelId, timer);
  }

  private cancelTyping(channelId: string): void {
    const timer = this.typingTimers.get(channelId);
    if (timer) this.clock.clearTimeout(timer);
    this.typingTimers.delete(channelId);
  }

  private createClient(): Client {
    const client = new Client(clientOptions(this.restOptions));
    client.on(Events.MessageCreate, (message) => void this.onMessage(message));
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand()) void this.onCommand(interaction);
    });
    client.on(Events.Error, (error) => this.logger.warn({ reason: error.message }, 'Discord client error'));
    client.once(Events.ClientReady, () => void this.registerCommands(client));
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners();
    await client.destroy();
  }

  /** Log in and wait for READY, bounded; a refused token throws, anything else retries in the background. */
  private async connect(): Promise<void> {
    const readyTimeoutMs = this.options.readyTimeoutMs ?? 30_000;
    const client = this.createClient();
    this.client = client;
    let timer: TimerHandle | undefined;
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    const attempt = client.login(this.options.token).then(() => ready);
    attempt.catch(() => {});
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => reject(new Error(`no READY from the gateway within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    });
    try {
      await Promise.race([attempt, timeout]);
      this.reconnectDelayMs = RECONNECT_FIRST_MS;
      this.logger.info({ user: client.user?.tag }, 'connected to Discord');
    } catch (error) {
      await this.dropClient();
      if (isTokenRefused(error)) {
        throw new PieBrainError('PLATFORM_REJECTED', 'Discord refused the bot token (check DISCORD_BOT_TOKEN)', {
          userMessage: 'The Discord bot token was refused.',
        });
      }
      // An offline Pi must not stop the other platforms: keep trying with backoff.
      const mapped = toPieBrainError(error, 'connect');
      this.logger.warn(
        { code: mapped.code, reason: mapped.message, retryInMs: this.reconnectDelayMs },
        'could not connect to Discord; will retry',
      );
      this.scheduleReconnect();
    } finally {
      if (timer) this.clock.clearTimeout(timer);
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.logger.error({ reason: (error as Error).message }, 'gave up connecting to Discord');
      });
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private async registerCommands(client: Client): Promise<void> {
    const applicationId = client.application?.id;
    if (!applicationId) return;
    const body = commandDefinitions(this.options.commands?.() ?? []);
    const { guildId } = this.options;
    const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
    try {
      await this.rest.put(route, { body });
      this.logger.info({ commands: body.length, scope: guildId ? 'guild' : 'global' }, 'registered Discord slash commands');
    } catch (error) {
      const mapped = toPieBrainError(error, 'register slash commands');
      this.logger.warn({ code: mapped.code, reason: mapped.message }, 'could not register Discord slash commands');
    }
  }

  private async onMessage(message: Message): Promise<void> {
    if (message.author.bot || message.system) return;
    const botId = message.client.user.id;
    // Typing @pie-brain in a guild often inserts the bot's managed role rather than its user.
    const botRoleId = message.guild?.members.me?.roles.botRole?.id;
    const mentioned = message.mentions.users.has(botId) || (botRoleId !== undefined && message.mentions.roles.has(botRoleId));
    if (message.inGuild() && !mentioned) return;
    const text = message.content
      .replace(new RegExp(`<@!?${botId}>${botRoleId ? `|<@&${botRoleId}>` : ''}`, 'g'), ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const channel = message.channel;
    const thread = channel.isThread() ? channel : undefined;
    const command = parseCommand(text);
    await this.submit({
      id: message.id,
      address: {
        platform: this.platform,
        chatId: thread?.parentId ?? message.channelId,
        ...(thread ? { threadId: thread.id } : {}),
        replyTo: message.id,
      },
      user: { id: message.author.id, name: message.author.globalName ?? message.author.username },
      text,
      ...(command ? { command } : {}),
      receivedAt: this.clock.now(),
    });
  }

  private async onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const target = { applicationId: interaction.applicationId, interactionId: interaction.id, token: interaction.token };
    // Defer at once (Discord wants an answer within 3 s); send() waits for it before editing the placeholder.
    const deferral = interaction.deferReply().then(
      () => true,
      (error: unknown) => {
        const mapped = toPieBrainError(error, 'defer a slash command');
        this.logger.warn({ code: mapped.code, reason: mapped.message }, 'could not defer a slash command; will answer in the channel');
        return false;
      },
    );
    this.remember(interaction.token, { createdAt: this.clock.now(), deferral, originalUsed: false });
    const name = interaction.commandName;
    const declared =
      this.options
        .commands?.()
        .find((entry) => entry.name === name)
        ?.options.map((option) => option.name) ?? [];
    const args = joinOptions(interaction.options.data, declared);
    const channel = interaction.channel;
    const thread = channel?.isThread() ? channel : undefined;
    await this.submit({
      id: interaction.id,
      address: {
        platform: this.platform,
        chatId: thread?.parentId ?? interaction.channelId ?? `${DIRECT_PREFIX}${interaction.user.id}`,
        ...(thread ? { threadId: thread.id } : {}),
        replyTo: encodeInteraction(target),
      },
      user: { id: interaction.user.id, name: interaction.user.globalName ?? interaction.user.username },
      text: `/${name}${args ? ` ${args}` : ''}`,
      command: { name, args },
      receivedAt: this.clock.now(),
    });
  }

  private async submit(message: InboundMessage): Promise<void> {
    if (!this.intake) return;
    try {
      await this.intake.submit(message);
    } catch (error) {
      this.logger.error({ err: error, messageId: message.id }, 'could not accept a Discord message');
      await this.unstored.tell(message, error, this.intake);
    }
  }

  private remember(token: string, state: InteractionState): void {
    const now = this.clock.now();
    for (const [key, old] of this.interactions) if (now - old.createdAt > INTERACTION_LIFETIME_MS) this.interactions.delete(key);
    this.interactions.set(token, state);
  }

  private isFresh(target: InteractionTarget): boolean {
    return this.clock.now() - snowflakeTime(target.interactionId) < INTERACTION_LIFETIME_MS;
  }

  /** The first part replaces the "thinking…" placeholder (@original); the rest are follow-ups. */
  private async answerInteraction(target: InteractionTarget, reply: Reply): Promise<SendResult> {
    const { applicationId, token } = target;
    const state = this.interactions.get(token);
    if (state && !(await state.deferral)) throw new NotDeferredError('the slash command was not deferred');
    // After a restart nobody remembers whether the placeholder was used: Discord does (its loading flag).
    let useOriginal = state ? !state.originalUsed : await this.isPlaceholder(target);
    return this.sendParts(reply, async ({ body, files }) => {
      const options = { body, files, auth: false };
      const message = useOriginal
        ? await this.rest.patch(Routes.webhookMessage(applicationId, token, '@original'), options)
        : await this.rest.post(Routes.webhook(applicationId, token), { ...options, query: new URLSearchParams({ wait: 'true' }) });
      useOriginal = false;
      if (state) state.originalUsed = true;
      return message as APIMessage;
    });
  }

  private async isPlaceholder(target: InteractionTarget): Promise<boolean> {
    const original = (await this.rest.get(Routes.webhookMessage(target.applicationId, target.token, '@original'), {
      auth: false,
    })) as APIMessage;
    return ((original.flags ?? 0) & LOADING_FLAG) !== 0;
  }

  private postInChannel(channelId: string, replyTo: string | undefined, reply: Reply): Promise<SendResult> {
    this.cancelTyping(channelId);
    let first = true;
    return this.sendParts(reply, async ({ body, files }) => {
      const reference = first && replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {};
      first = false;
      return (await this.rest.post(Routes.channelMessages(channelId), { body: { ...body, ...reference }, files })) as APIMessage;
    }).catch((error: unknown) => {
      throw toPieBrainError(error, 'post a message');
    });
  }

  /** Sends the messages of one part in order (one, unless rendering pushed it past Discord's limit). */
  private async sendParts(reply: Reply, post: (message: OutgoingMessage) => Promise<APIMessage>): Promise<SendResult> {
    let messageId = '';
    for (const message of await renderReply(reply)) messageId = (await post(message)).id;
    return { messageId };
  }

  /** `dm:<userId>` opens (once) the DM channel with that user; a thread wins over its parent channel. */
  private async resolveChannel(address: Address): Promise<string> {
    if (address.threadId) return address.threadId;
    if (!address.chatId.startsWith(DIRECT_PREFIX)) return address.chatId;
    const userId = address.chatId.slice(DIRECT_PREFIX.length);
    const known = this.dmChannels.get(userId);
    if (known) return known;
    try {
      const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
      this.dmChannels.set(userId, channel.id);
      return channel.id;
    } catch (error) {
      throw toPieBrainError(error, 'open a direct message');
    }
  }
}

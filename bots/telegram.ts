import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { Bot, InputFile } from 'grammy';
import type { Message } from 'grammy/types';
import type { Config } from '../core/config.js';
import type { AdapterCapabilities, ChatAdapter, Intake, ReplyPart, SendResult } from '../core/contracts/chat-adapter.js';
import { type Address, type Attachment, joinFooter, type Reply } from '../core/contracts/messages.js';
import { DIRECT_PREFIX } from '../core/engine/alerts.js';
import { PieBrainError } from '../core/errors.js';
import { type Clock, sleep, systemClock } from '../core/lib/clock.js';
import { splitText } from '../core/lib/split-text.js';
import type { Logger } from '../core/logger.js';
import type { Secrets } from '../core/secrets.js';
import { describeApiError, isEntityParseError, isNotModifiedError, isUnauthorizedError, toPlatformError } from './telegram/api-errors.js';
import { type MenuCommand, publishCommandMenu } from './telegram/command-menu.js';
import { normalizeMessage, TELEGRAM_PLATFORM } from './telegram/normalize.js';
import { renderTelegramHtml } from './telegram/render-html.js';
import { toGrammySignal } from './telegram/signal.js';
import { TypingKeeper } from './telegram/typing-keeper.js';
import { UpdatePoller } from './telegram/update-poller.js';
import { WebhookServer } from './telegram/webhook-server.js';

export type { MenuCommand } from './telegram/command-menu.js';

/** Telegram's limit for one message (after entity parsing) and for a photo caption. */
export const TELEGRAM_MAX_LENGTH = 4096;
const CAPTION_MAX_LENGTH = 1024;

export interface TelegramAdapterOptions {
  token: string;
  /** Bot API base URL (TELEGRAM_API_ROOT); a trailing slash is removed. */
  apiRoot: string;
  logger: Logger;
  clock?: Clock;
  /** Long polling (the default: works behind NAT) or a webhook server. */
  mode?: 'polling' | 'webhook';
  webhook?: {
    /** Public URL registered with setWebhook; null: registered by hand, any path accepted. */
    url: string | null;
    port: number;
    /** Bind address; a TLS proxy in front usually runs on the same machine. */
    host?: string;
    secret: string | undefined;
  };
  /** The "/" menu; admin-only commands are shown only in the admins' chats. */
  commands?: () => MenuCommand[];
  /** Telegram user ids of the admins. */
  adminIds?: () => string[];
  /** Long-poll timeout in seconds (Telegram holds getUpdates this long). */
  pollTimeoutSeconds?: number;
  /** First delay after a failed Bot API call at start-up or while polling; doubled up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Tries to store one update before it is skipped. */
  maxHandleAttempts?: number;
  /** How long start() waits for Telegram before it carries on connecting in the background. */
  startTimeoutMs?: number;
  /** How long a typing indicator is kept up without a reply. */
  typingMaxMs?: number;
}

/** Telegram's chat id: `dm:<userId>` is the private chat with that user, whose id equals the user id. */
function toChatId(chatId: string): number | string {
  const id = chatId.startsWith(DIRECT_PREFIX) ? chatId.slice(DIRECT_PREFIX.length) : chatId;
  return /^-?\d+$/.test(id) ? Number(id) : id;
}

function threadOf(address: Address): { message_thread_id?: number } {
  return address.threadId && /^\d+$/.test(address.threadId) ? { message_thread_id: Number(address.threadId) } : {};
}

function chatKeyOf(address: Address): string {
  return `${toChatId(address.chatId)}:${address.threadId ?? ''}`;
}

/**
 * Telegram through grammY: long polling (or a webhook), replies quoting the user's message in its forum
 * topic, Markdown rendered as Telegram HTML with a plain-text fallback, a kept-up typing indicator,
 * edits, photos, and the command menu. Errors come back as PieBrainError codes the outbox understands.
 */
export class TelegramAdapter implements ChatAdapter {
  readonly platform = TELEGRAM_PLATFORM;
  readonly capabilities: AdapterCapabilities = { edit: true, threads: true, images: true, typing: true, maxLength: TELEGRAM_MAX_LENGTH };
  readonly bot: Bot;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly poller: UpdatePoller;
  private readonly typingKeeper: TypingKeeper;
  private webhook: WebhookServer | undefined;
  private webhookPort: number | undefined;
  private intake: Intake | undefined;
  private lifecycle = new AbortController();
  private ready = false;
  /** Parts of a split reply already sent, so a retry after a failure in the middle does not repeat them. */

  constructor(private readonly options: TelegramAdapterOptions) {
    const { token, logger } = options;
    if (options.mode === 'webhook' && !/^[A-Za-z0-9_-]{1,256}$/.test(options.webhook?.secret ?? '')) {
      throw new PieBrainError(
        'CONFIG_INVALID',
        'Telegram webhook mode needs a secret of 1-256 letters, digits, _ or - (TELEGRAM_WEBHOOK_SECRET or telegram.webhookSecretFile)',
      );
    }
    this.clock = options.clock ?? systemClock;
    this.logger = logger;
    this.bot = new Bot(token, { client: { apiRoot: options.apiRoot.replace(/\/+$/, ''), timeoutSeconds: 60 } });
    // grammY's default handler prints the error with its context, token included.
    this.bot.catch((error) => {
      logger.error({ updateId: error.ctx.update.update_id, error: describeApiError(error.error, token) }, 'a Telegram update failed');
    });
    this.bot.on('message', (ctx) => this.accept(ctx.message));
    this.poller = new UpdatePoller({
      api: this.bot.api,
      handle: (update) => this.bot.handleUpdate(update),
      logger,
      clock: this.clock,
      token,
      timeoutSeconds: options.pollTimeoutSeconds ?? 30,
      baseDelayMs: options.baseDelayMs ?? 1000,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      maxHandleAttempts: options.maxHandleAttempts ?? 20,
      stopGraceMs: 5000,
    });
    this.typingKeeper = new TypingKeeper({ clock: this.clock, intervalMs: 4500, maxMs: options.typingMaxMs ?? 120_000 });
  }

  /** The port the webhook server listens on (webhook mode, after start). */
  get listeningPort(): number | undefined {
    return this.webhookPort;
  }

  async start(intake: Intake): Promise<void> {
    this.intake = intake;
    this.lifecycle = new AbortController();
    if (this.options.mode === 'webhook' && this.options.webhook) {
      const { url, port, host, secret } = this.options.webhook;
      this.webhook = new WebhookServer({
        bot: this.bot,
        secret: secret ?? '',
        host: host ?? '127.0.0.1',
        port,
        path: url ? new URL(url).pathname : undefined,
        logger: this.logger,
        token: this.options.token,
      });
      this.webhookPort = (await this.webhook.listen()).port;
    }
    const setup = this.connect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      setup.then(
        () => 'ready' as const,
        (error: unknown) => error,
      ),
      new Promise<'slow'>((resolve) => {
        timer = setTimeout(() => resolve('slow'), this.options.startTimeoutMs ?? 10_000);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'slow') {
      this.logger.warn('Telegram is not reachable yet; pie-brain keeps trying in the background');
      const lifecycle = this.lifecycle.signal;
      setup.catch((error: unknown) => {
        if (!lifecycle.aborted) this.logger.error({ error: describeApiError(error, this.options.token) }, 'Telegram could not connect');
      });
    } else if (outcome !== 'ready') {
      await this.stop();
      throw outcome;
    }
  }

  async stop(): Promise<void> {
    this.lifecycle.abort();
    this.typingKeeper.endAll();
    await this.poller.stop();
    await this.webhook?.close();
    this.ready = false;
  }

  connected(): boolean {
    return this.options.mode === 'webhook' ? this.ready && (this.webhook?.listening ?? false) : this.ready && this.poller.connected;
  }

  async send(address: Address, reply: Reply, part: ReplyPart = { index: 0, total: 1 }): Promise<SendResult> {
    this.typingKeeper.end(chatKeyOf(address));
    const chatId = toChatId(address.chatId);
    const attachments = reply.attachments ?? [];
    await this.checkFiles(attachments);
    // Delivery hands over parts that fit; a part that grew past the limit when rendered is split once more.
    const parts = splitText(joinFooter(reply), TELEGRAM_MAX_LENGTH).filter((text) => text.trim().length > 0);
    if (parts.length === 0 && attachments.length === 0) parts.push('(empty reply)');
    const quote =
      part.index === 0 && address.replyTo && /^\d+$/.test(address.replyTo)
        ? { reply_parameters: { message_id: Number(address.replyTo), allow_sending_without_reply: true } }
        : {};
    const steps: Array<(other: object) => Promise<Message>> = [
      ...parts.map((text) => (other: object) => this.sendText(chatId, text, other)),
      ...attachments.map((image) => (other: object) => this.sendImage(chatId, image, other)),
    ];
    let lastId = '';
    for (const [index, step] of steps.entries()) {
      const message = await step({ ...threadOf(address), ...(index === 0 ? quote : {}) });
      lastId = String(message.message_id);
    }
    return { messageId: lastId };
  }

  async edit(address: Address, messageId: string, reply: Reply): Promise<void> {
    const full = joinFooter(reply);
    const text = full.length > TELEGRAM_MAX_LENGTH ? `${splitText(full, TELEGRAM_MAX_LENGTH - 2)[0] ?? ''} …` : full;
    const chatId = toChatId(address.chatId);
    const id = Number(messageId);
    try {
      await this.withPlainFallback('editMessageText', (html) =>
        this.bot.api.editMessageText(chatId, id, html ? renderTelegramHtml(text) : text, html ? { parse_mode: 'HTML' } : {}),
      );
    } catch (error) {
      if (!isNotModifiedError(error)) throw toPlatformError(error, 'editMessageText', this.options.token);
    }
  }

  async typing(address: Address): Promise<void> {
    const chatId = toChatId(address.chatId);
    try {
      await this.typingKeeper.begin(chatKeyOf(address), async () => {
        await this.bot.api.sendChatAction(chatId, 'typing', threadOf(address));
      });
    } catch (error) {
      throw toPlatformError(error, 'sendChatAction', this.options.token);
    }
  }

  /** getMe, then the webhook (or its removal, for polling), the menu, and polling; retries what may pass, until stopped. */
  private async connect(): Promise<void> {
    const { api } = this.bot;
    const me = await this.retrying('getMe', (signal) => api.getMe(toGrammySignal(signal)));
    this.bot.botInfo = me;
    const webhook = this.options.webhook;
    if (this.options.mode === 'webhook' && webhook?.url) {
      const url = webhook.url;
      await this.retrying('setWebhook', (signal) =>
        api.setWebhook(
          url,
          { secret_token: webhook.secret ?? '', allowed_updates: ['message'], drop_pending_updates: false },
          toGrammySignal(signal),
        ),
      );
    } else if (this.options.mode !== 'webhook') {
      // Never drop pending updates: messages sent while pie-brain was down are still waiting.
      await this.retrying('deleteWebhook', (signal) => api.deleteWebhook({ drop_pending_updates: false }, toGrammySignal(signal)));
    }
    if (this.options.commands) {
      await publishCommandMenu(api, this.options.commands(), this.options.adminIds?.() ?? [], this.logger, this.options.token);
    }
    if (this.lifecycle.signal.aborted) return;
    if (this.options.mode !== 'webhook') this.poller.start();
    this.ready = true;
    this.logger.info({ bot: me.username, mode: this.options.mode ?? 'polling' }, 'connected to Telegram');
  }

  private async retrying<T>(method: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = this.lifecycle.signal;
    for (let failures = 1; ; failures += 1) {
      try {
        return await call(signal);
      } catch (error) {
        if (signal.aborted) throw new PieBrainError('PLATFORM_UNAVAILABLE', 'the Telegram adapter was stopped');
        if (isUnauthorizedError(error)) {
          throw new PieBrainError(
            'CONFIG_INVALID',
            'Telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN with @BotFather',
          );
        }
        const failure = toPlatformError(error, method, this.options.token);
        // A refusal (a bad webhook URL, say) will not go away by asking again.
        if (failure.code === 'PLATFORM_REJECTED') throw failure;
        const backoff = Math.min(this.options.maxDelayMs ?? 60_000, (this.options.baseDelayMs ?? 1000) * 2 ** (failures - 1));
        const waitMs = failure.retryAfterMs ?? backoff;
        this.logger.warn(
          { method, error: describeApiError(error, this.options.token), retryInMs: waitMs },
          'a Telegram call failed; retrying',
        );
        await sleep(this.clock, waitMs, signal).catch(() => {});
      }
    }
  }

  /** A message from Telegram into the queue; throwing leaves the update unconfirmed. */
  private async accept(message: unknown): Promise<void> {
    const inbound = normalizeMessage(message, this.bot.botInfo.username, this.clock.now());
    if (!inbound) return;
    if (!this.intake) throw new PieBrainError('PLATFORM_UNAVAILABLE', 'the Telegram adapter has not been started');
    await this.intake.submit(inbound);
  }

  /** Try HTML first; when Telegram cannot parse the entities, the same text unformatted. */
  private async withPlainFallback<T>(method: string, call: (html: boolean) => Promise<T>): Promise<T> {
    try {
      return await call(true);
    } catch (error) {
      if (!isEntityParseError(error)) throw error;
      this.logger.warn(
        { method, error: describeApiError(error, this.options.token) },
        'Telegram rejected the formatting; sending plain text',
      );
      return call(false);
    }
  }

  private async sendText(chatId: number | string, markdown: string, other: object): Promise<Message> {
    try {
      return await this.withPlainFallback('sendMessage', (html) =>
        this.bot.api.sendMessage(chatId, html ? renderTelegramHtml(markdown) : markdown, {
          ...other,
          ...(html ? { parse_mode: 'HTML' } : {}),
        }),
      );
    } catch (error) {
      throw toPlatformError(error, 'sendMessage', this.options.token);
    }
  }

  private async sendImage(chatId: number | string, image: Attachment, other: object): Promise<Message> {
    const caption = image.caption ? splitText(image.caption, CAPTION_MAX_LENGTH)[0] : undefined;
    try {
      return await this.withPlainFallback('sendPhoto', (html) =>
        this.bot.api.sendPhoto(chatId, new InputFile(image.path, basename(image.path)), {
          ...other,
          ...(caption ? { caption: html ? renderTelegramHtml(caption) : caption } : {}),
          ...(caption && html ? { parse_mode: 'HTML' } : {}),
        }),
      );
    } catch (error) {
      throw toPlatformError(error, 'sendPhoto', this.options.token);
    }
  }

  /** A missing image will not appear by retrying: refuse the reply before sending half of it. */
  private async checkFiles(attachments: readonly Attachment[]): Promise<void> {
    for (const attachment of attachments) {
      try {
        await access(attachment.path);
      } catch {
        throw new PieBrainError('PLATFORM_REJECTED', `the image ${basename(attachment.path)} does not exist any more`);
      }
    }
  }
}

/** The adapter as compose.ts configures it: config, secrets, the menu from the command and tool registries. */
export function createTelegramAdapter(
  config: Config,
  secrets: Secrets,
  logger: Logger,
  menu: { commands: () => MenuCommand[]; adminIds?: () => string[] },
): TelegramAdapter {
  if (!secrets.telegramToken) throw new PieBrainError('CONFIG_INVALID', 'no Telegram bot token configured');
  const { telegram, access: accessConfig } = config;
  return new TelegramAdapter({
    token: secrets.telegramToken,
    apiRoot: telegram.apiRoot,
    logger: logger.child({ platform: TELEGRAM_PLATFORM }),
    mode: telegram.mode,
    webhook: { url: telegram.webhookUrl, port: telegram.webhookPort, secret: secrets.telegramWebhookSecret },
    commands: menu.commands,
    adminIds:
      menu.adminIds ??
      (() =>
        accessConfig.admins
          .filter((entry) => entry.startsWith(`${TELEGRAM_PLATFORM}:`))
          .map((entry) => entry.slice(TELEGRAM_PLATFORM.length + 1))),
  });
}

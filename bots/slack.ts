import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { webApi } from '@slack/bolt';
import { type Config, ConfigError } from '../core/config.js';
import type { AdapterCapabilities, ChatAdapter, Intake, SendResult } from '../core/contracts/chat-adapter.js';
import { type Address, type Attachment, type InboundMessage, joinFooter, type Reply } from '../core/contracts/messages.js';
import { DIRECT_PREFIX, isDirectChat } from '../core/engine/alerts.js';
import { describeForUser, PieBrainError } from '../core/errors.js';
import { BoundedMap } from '../core/lib/bounded-map.js';
import { type Clock, systemClock } from '../core/lib/clock.js';
import type { Logger } from '../core/logger.js';
import type { Secrets } from '../core/secrets.js';
import { SlackAckGate } from './slack-ack-gate.js';
import { createSlackLogger, toPieBrainError } from './slack-errors.js';
import { escapeMrkdwn, renderMrkdwn, splitForSlack, truncateForSlack } from './slack-format.js';
import { commandMessage, eventMessage, parseSlashCommand, SLACK_PLATFORM, type SlackCommand } from './slack-inbound.js';

/**
 * Slack takes up to 40,000 characters in `text` but folds anything past ~4,000 behind "Show more" and
 * caps a block at 3,000; 3,500 keeps every message whole with room for the escapes of &, < and >.
 */
export const SLACK_MAX_LENGTH = 3500;
export const SLACK_EVENTS_PATH = '/slack/events';

// Bolt's App and receivers from their own files: its index also loads Express and the AWS Lambda receiver
// (~8 MB of memory on a Pi) that Socket Mode and pie-brain's HTTP mode never use.
const require = createRequire(import.meta.url);
const { default: App } = require('@slack/bolt/dist/App.js') as typeof import('@slack/bolt/dist/App.js');
const { default: HTTPReceiver } =
  require('@slack/bolt/dist/receivers/HTTPReceiver.js') as typeof import('@slack/bolt/dist/receivers/HTTPReceiver.js');
const { default: SocketModeReceiver } =
  require('@slack/bolt/dist/receivers/SocketModeReceiver.js') as typeof import('@slack/bolt/dist/receivers/SocketModeReceiver.js');
type App = InstanceType<typeof App>;
type HTTPReceiver = InstanceType<typeof HTTPReceiver>;
type SocketModeReceiver = InstanceType<typeof SocketModeReceiver>;

/** A ping from the client every 30 s; no pong for 90 s means the socket is dead. */
export const SLACK_CLIENT_PING_TIMEOUT_MS = 90_000;

/** A few quick retries of one call; the outbox retries the rest durably (the SDK default retries ~30 min). */
export const SLACK_RETRY: webApi.RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true };

export interface SlackAdapterOptions {
  botToken: string;
  /** socket: Socket Mode (no public URL, needs appToken); http: signed requests (needs signingSecret). */
  mode: 'socket' | 'http';
  appToken?: string | undefined;
  signingSecret?: string | undefined;
  /** Web API base, e.g. https://slack.com/api/ (SLACK_API_URL). */
  apiUrl: string;
  /** http mode: the port to listen on (0: any free port). */
  port?: number;
  /** http mode: the address to listen on; all interfaces when omitted (Slack must reach it). */
  host?: string;
  logger: Logger;
  clock?: Clock;
  /** Retries of one Web API call; tests pass { retries: 0 }. */
  retryConfig?: webApi.RetryOptions;
  /** Timeout of one Web API request. */
  requestTimeoutMs?: number;
  /** Timeout of start-up (token check and connection). */
  startTimeoutMs?: number;
}

type Respond = (message: { response_type: 'ephemeral'; text: string }) => Promise<unknown>;
/** What became of an inbound event: stored, not stored (with what the user may be told), or not a message at all. */
type Outcome = { stored: true } | { stored: false; reason: string } | undefined;

/** Leaves room within Slack's 3 s for the acknowledgement to travel. */
const COMMAND_ACK_MS = 2500;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new PieBrainError('TIMEOUT', `${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Slack through Bolt: Socket Mode by default, signed HTTP requests as an option. Slash commands are
 * acknowledged at once and answered in a thread under a short message naming the command; mentions are
 * answered in their thread, direct messages where they were written.
 */
export class SlackAdapter implements ChatAdapter {
  readonly platform = SLACK_PLATFORM;
  readonly capabilities: AdapterCapabilities = { edit: true, threads: true, images: true, typing: false, maxLength: SLACK_MAX_LENGTH };
  private readonly app: App;
  private readonly receiver: SocketModeReceiver | HTTPReceiver;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private intake: Intake | undefined;
  private server: Server | undefined;
  private socketUp = false;
  private started = false;
  private readonly directChannels = new BoundedMap<string, string>(1000);
  // Parts of split replies already posted, so a retry after a failure mid-way does not repeat them.

  constructor(private readonly options: SlackAdapterOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    const logger = createSlackLogger(options.logger);
    const clientOptions: webApi.WebClientOptions = {
      slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
      retryConfig: options.retryConfig ?? SLACK_RETRY,
      timeout: options.requestTimeoutMs ?? 15_000,
      // A 429 goes back to the outbox with its Retry-After instead of pausing inside the SDK.
      rejectRateLimitedCalls: true,
    };
    if (options.mode === 'socket') {
      if (!options.appToken) throw new ConfigError(['Slack Socket Mode needs an app token (SLACK_APP_TOKEN or slack.appTokenFile)']);
      const receiver = new SocketModeReceiver({
        appToken: options.appToken,
        logger,
        // The client pings every third of this: 1.7 s by default, which kept an idle Pi awake. Slack's own
        // pings (about every 30 s) still tell a dead socket within serverPingTimeout.
        clientPingTimeout: SLACK_CLIENT_PING_TIMEOUT_MS,
        installerOptions: { clientOptions: { ...clientOptions } },
      });
      receiver.client.on('connected', () => {
        this.socketUp = true;
      });
      for (const state of ['disconnected', 'reconnecting', 'disconnecting']) {
        receiver.client.on(state, () => {
          this.socketUp = false;
        });
      }
      this.receiver = receiver;
    } else {
      if (!options.signingSecret)
        throw new ConfigError(['Slack HTTP mode needs a signing secret (SLACK_SIGNING_SECRET or slack.signingSecretFile)']);
      this.receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: [SLACK_EVENTS_PATH], logger });
    }
    this.app = new App({ token: options.botToken, receiver: this.receiver, logger, clientOptions, deferInitialization: true });
    this.app.error(async (error) => {
      this.logger.error({ err: error }, 'a Slack listener failed');
    });
    this.app.command(/^\/.+/, async ({ command, ack, respond }) => this.onCommandAcked(command, ack, respond));
    const gate = new SlackAckGate(this.app);
    this.receiver.init(gate as unknown as App);
    this.app.event('app_mention', async ({ event, body, context }) => {
      if ((await this.onMessage(event, context.botUserId, 'mention'))?.stored === false) gate.markUnstored(body);
    });
    this.app.event('message', async ({ event, body, context }) => {
      if ((await this.onMessage(event, context.botUserId, 'direct'))?.stored === false) gate.markUnstored(body);
    });
  }

  /**
   * Slack shows the user an error unless a command is acknowledged within 3 s, and never sends it again: the
   * command is stored first and acknowledged after, or after COMMAND_ACK_MS at the latest. A command that
   * could not be stored is acknowledged with the reason (or, past the deadline, followed by it).
   */
  private async onCommandAcked(command: unknown, ack: (text?: string) => Promise<void>, respond: Respond): Promise<void> {
    let acknowledged = false;
    const deadline = this.clock.setTimeout(() => {
      acknowledged = true;
      ack().catch((error: unknown) => this.logger.warn({ err: error }, 'could not acknowledge a Slack command'));
    }, COMMAND_ACK_MS);
    const outcome = await this.onCommand(command, respond);
    this.clock.clearTimeout(deadline);
    const refusal = outcome?.stored === false ? outcome.reason : undefined;
    if (!acknowledged) await ack(refusal);
    else if (refusal) await respond({ response_type: 'ephemeral', text: refusal }).catch(() => {});
  }

  async start(intake: Intake): Promise<void> {
    this.intake = intake;
    const limit = this.options.startTimeoutMs ?? 30_000;
    try {
      await withTimeout(this.app.init(), limit, 'checking the Slack bot token');
      this.started = true;
      if (this.options.mode === 'socket') await withTimeout(this.app.start(), limit, 'connecting to Slack Socket Mode');
      else {
        const listen = { port: this.options.port ?? 3000, ...(this.options.host ? { host: this.options.host } : {}) };
        this.server = await withTimeout(this.app.start(listen), limit, 'opening the Slack HTTP endpoint');
        this.logger.info({ url: this.eventsUrl() }, 'Slack HTTP endpoint listening');
      }
    } catch (error) {
      await this.stop();
      throw toPieBrainError(error, 'starting Slack');
    }
  }

  async stop(): Promise<void> {
    this.intake = undefined;
    if (!this.started) return;
    this.started = false;
    // Bolt's SocketModeReceiver.stop() does not wait for the socket to close; the client's disconnect() does.
    const stopping =
      this.receiver instanceof SocketModeReceiver ? this.receiver.client.disconnect().then(() => this.app.stop()) : this.app.stop();
    this.server?.closeIdleConnections();
    try {
      await withTimeout(stopping, 5000, 'stopping Slack');
    } catch (error) {
      this.server?.closeAllConnections();
      this.logger.warn({ err: error }, 'Slack did not stop cleanly');
    }
    this.server = undefined;
    this.socketUp = false;
  }

  connected(): boolean {
    return this.options.mode === 'socket' ? this.socketUp : Boolean(this.server?.listening);
  }

  /** HTTP mode: the local URL Slack's requests go to (behind whatever proxy makes it public). */
  eventsUrl(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return undefined;
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}${SLACK_EVENTS_PATH}`;
  }

  async send(address: Address, reply: Reply): Promise<SendResult> {
    const channel = await this.resolveChannel(address.chatId);
    const thread = address.threadId;
    // Delivery hands over parts that fit; a part that grew past the limit as mrkdwn is split once more.
    const texts = splitForSlack(joinFooter(reply), this.capabilities.maxLength);
    const images = reply.attachments ?? [];
    if (texts.length === 0 && images.length === 0) texts.push('_(empty reply)_');
    // The receipt is the last text message (the one a progress edit changes), else the last upload.
    let textId = '';
    let lastId = '';
    for (const text of texts) textId = await this.post(channel, text, thread);
    for (const image of images) lastId = await this.upload(channel, thread, image);
    return { messageId: textId || lastId };
  }

  async edit(address: Address, messageId: string, reply: Reply): Promise<void> {
    const channel = await this.resolveChannel(address.chatId);
    const text = truncateForSlack(joinFooter(reply), this.capabilities.maxLength);
    await this.call('editing a message', () => this.app.client.chat.update({ channel, ts: messageId, text }));
  }

  private async onCommand(raw: unknown, respond: Respond): Promise<Outcome> {
    const command = parseSlashCommand(raw);
    if (!command) {
      this.logger.warn('ignored a Slack slash command of unexpected shape');
      return undefined;
    }
    // A stranger's command opens no thread in the channel: its refusal goes to the stranger alone, by DM.
    const stranger = this.intake?.mayUse?.('slack', command.userId) === false;
    const where = stranger ? { channel: `${DIRECT_PREFIX}${command.userId}` } : await this.openCommandThread(command, respond);
    return this.submit(commandMessage(command, where, this.clock.now()));
  }

  /**
   * A slash command leaves no message behind, so the answer gets a parent: "@user ran /x" in the channel.
   * Where pie-brain may not post (a private channel it is not in), the thread moves to the user's DM.
   */
  private async openCommandThread(command: SlackCommand, respond: Respond): Promise<{ channel: string; ts?: string }> {
    const parent = `<@${command.userId}> ran \`${escapeMrkdwn(command.line.replace(/`/g, "'"))}\``;
    try {
      return { channel: command.channelId, ts: await this.post(command.channelId, parent) };
    } catch (error) {
      const failure = toPieBrainError(error, 'posting a command');
      if (failure.code !== 'PLATFORM_REJECTED') {
        this.logger.warn({ err: failure }, 'could not open a thread for a Slack command; answering in the channel');
        return { channel: command.channelId };
      }
    }
    try {
      const direct = await this.resolveChannel(`${DIRECT_PREFIX}${command.userId}`);
      const ts = await this.post(direct, parent);
      const note =
        "I'm not a member of this conversation, so I'll answer in our direct messages. Invite me (`/invite @pie-brain`) to get answers here.";
      await respond({ response_type: 'ephemeral', text: note }).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not tell a Slack user where the answer goes');
      });
      return { channel: direct, ts };
    } catch (error) {
      this.logger.warn({ err: error }, 'could not open a direct message for a Slack command');
      return { channel: command.channelId };
    }
  }

  private async onMessage(raw: unknown, botUserId: string | undefined, kind: 'mention' | 'direct'): Promise<Outcome> {
    const message = eventMessage(raw, kind, botUserId, this.clock.now());
    return message ? this.submit(message) : undefined;
  }

  /** Not stored: intake failed, so the platform must not be told the message arrived. */
  private async submit(message: InboundMessage): Promise<Outcome> {
    const intake = this.intake;
    if (!intake) return { stored: false, reason: 'pie-brain is starting or stopping; please try again in a moment.' };
    try {
      const result = await intake.submit(message);
      this.logger.debug({ id: message.id, status: result.status }, 'Slack message taken in');
      return { stored: true };
    } catch (error) {
      this.logger.error({ err: error, id: message.id }, 'could not take in a Slack message; not acknowledged');
      return { stored: false, reason: describeForUser(error) };
    }
  }

  /** `dm:<userId>` (admin alerts) becomes the user's direct-message channel, opened once and remembered. */
  private async resolveChannel(chatId: string): Promise<string> {
    if (!isDirectChat(chatId)) return chatId;
    const user = chatId.slice(DIRECT_PREFIX.length);
    const known = this.directChannels.get(user);
    if (known) return known;
    const result = await this.call('opening a direct message', () => this.app.client.conversations.open({ users: user }));
    const id = result.channel?.id;
    if (!id) throw new PieBrainError('PLATFORM_REJECTED', `Slack opened no direct message with ${user}`);
    this.directChannels.set(user, id);
    return id;
  }

  private async post(channel: string, text: string, thread?: string): Promise<string> {
    const result = await this.call('sending a message', () =>
      this.app.client.chat.postMessage({
        channel,
        text,
        ...(thread ? { thread_ts: thread } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (!result.ts) throw new PieBrainError('PLATFORM_REJECTED', 'Slack returned no timestamp for a posted message');
    return result.ts;
  }

  private async upload(channel: string, thread: string | undefined, image: Attachment): Promise<string> {
    let data: Buffer;
    try {
      data = await readFile(image.path);
    } catch {
      return this.post(channel, `_(the image ${escapeMrkdwn(basename(image.path))} could not be read)_`, thread);
    }
    const caption = image.caption ? { initial_comment: renderMrkdwn(image.caption), alt_text: image.caption.slice(0, 1000) } : {};
    const result = await this.call('uploading an image', () =>
      this.app.client.filesUploadV2({
        channel_id: channel,
        ...(thread ? { thread_ts: thread } : {}),
        file: data,
        filename: basename(image.path),
        ...caption,
      } as Parameters<App['client']['filesUploadV2']>[0]),
    );
    const completed = (result as { files?: Array<{ files?: Array<{ id?: string }> }> }).files?.[0]?.files?.[0]?.id;
    return `file:${completed ?? basename(image.path)}`;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toPieBrainError(error, what);
    }
  }
}

/**
 * The Slack adapter for this configuration, or undefined when no bot token is set. A bot token without
 * the mode's second secret is a configuration error (one readable line).
 */
export function createSlackAdapter(config: Config, secrets: Secrets, logger: Logger): SlackAdapter | undefined {
  if (!secrets.slackBotToken) return undefined;
  const { mode, apiUrl, port } = config.slack;
  if (mode === 'socket' && !secrets.slackAppToken) {
    throw new ConfigError([
      'slack.mode is socket but no app token is set: set SLACK_APP_TOKEN (or slack.appTokenFile), or slack.mode: http with SLACK_SIGNING_SECRET',
    ]);
  }
  if (mode === 'http' && !secrets.slackSigningSecret) {
    throw new ConfigError(['slack.mode is http but no signing secret is set: set SLACK_SIGNING_SECRET (or slack.signingSecretFile)']);
  }
  return new SlackAdapter({
    botToken: secrets.slackBotToken,
    mode,
    appToken: secrets.slackAppToken,
    signingSecret: secrets.slackSigningSecret,
    apiUrl,
    port,
    logger,
  });
}

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  type ClientOptions,
  type CommandInteractionOption,
  DiscordAPIError,
  GatewayIntentBits,
  HTTPError,
  Options,
  Partials,
  RateLimitError,
  type RawFile,
  type RESTOptions,
} from 'discord.js';
import type { MenuEntry } from '../core/contracts/command.js';
import { joinFooter, type Reply } from '../core/contracts/messages.js';
import { isPieBrainError, PieBrainError } from '../core/errors.js';
import { splitText } from '../core/lib/split-text.js';

// Discord's wire details for bots/discord.ts: commands, interaction addresses, errors, message bodies.

export const MAX_LENGTH = 2000;
const MAX_FILES = 10;
/** Interaction tokens live 15 minutes; stop using one a little before. */
export const INTERACTION_LIFETIME_MS = 14 * 60_000;
/** MessageFlags.Loading: the "thinking…" placeholder of a deferred slash command. */
export const LOADING_FLAG = 1 << 7;
const DISCORD_EPOCH = 1_420_070_400_000n;
/** Never ping anyone from text a model wrote. */
export const NO_PINGS = { parse: [] as string[], replied_user: false };

/** How a reply answers a slash command: encoded in Address.replyTo so the outbox can use it after a restart. */
export interface InteractionTarget {
  applicationId: string;
  interactionId: string;
  token: string;
}

export function encodeInteraction(target: InteractionTarget): string {
  return `interaction:${target.applicationId}:${target.interactionId}:${target.token}`;
}

export function decodeInteraction(replyTo: string | undefined): InteractionTarget | undefined {
  const match = /^interaction:(\d+):(\d+):(.+)$/.exec(replyTo ?? '');
  return match ? { applicationId: match[1] as string, interactionId: match[2] as string, token: match[3] as string } : undefined;
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/**
 * Slash-command options as one argument string: the values in the order the command declares its options
 * (Discord sends them in the order the user filled them in), then any it does not declare.
 */
export function joinOptions(options: readonly CommandInteractionOption[], declared: readonly string[] = []): string {
  const rank = (name: string) => {
    const at = declared.indexOf(name);
    return at < 0 ? declared.length : at;
  };
  return [...options]
    .sort((a, b) => rank(a.name) - rank(b.name))
    .flatMap((option) =>
      option.options ? [option.name, joinOptions(option.options)] : [option.value === undefined ? '' : String(option.value)],
    )
    .map((part) => part.trim())
    .filter(Boolean)
    .join(' ');
}

/** Discord errors by what to do about them: wait (429), retry later (5xx, network), or give up (other 4xx). */
export function toPieBrainError(error: unknown, action: string): PieBrainError {
  if (isPieBrainError(error)) return error;
  if (error instanceof RateLimitError) {
    const waitMs = Math.max(error.retryAfter, error.timeToReset, 0);
    return new PieBrainError(
      'RATE_LIMITED',
      `Discord rate-limited ${action} (${error.scope}, retry in ${waitMs} ms)`,
      waitMs > 0 ? { retryAfterMs: waitMs } : {},
    );
  }
  // discord.js request errors carry the URL, which holds interaction tokens: keep them out of the cause.
  if (error instanceof DiscordAPIError) {
    const detail = `${error.status} (code ${error.code}) ${error.message}`;
    if (error.status === 429) return new PieBrainError('RATE_LIMITED', `Discord rate-limited ${action}`);
    if (error.status >= 500) return new PieBrainError('PLATFORM_UNAVAILABLE', `Discord failed to ${action}: ${detail}`);
    return new PieBrainError('PLATFORM_REJECTED', `Discord refused to ${action}: ${detail}`);
  }
  if (error instanceof HTTPError) return new PieBrainError('PLATFORM_UNAVAILABLE', `Discord failed to ${action}: HTTP ${error.status}`);
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new PieBrainError('PLATFORM_UNAVAILABLE', `Could not reach Discord to ${action} (${reason})`, { cause: error });
}

/** The slash command's placeholder was never created (deferral failed). */
export class NotDeferredError extends Error {}

/** 401/404 on an interaction webhook: the token expired or the interaction was never acknowledged. */
export function isInteractionGone(error: unknown): boolean {
  return error instanceof NotDeferredError || (error instanceof DiscordAPIError && (error.status === 401 || error.status === 404));
}

const MAX_QUEUED_WAIT_MS = 2000;

/** REST settings for the adapter and its gateway clients: bounded requests, no retries of discord.js's own. */
export function restOptions(apiUrl: string, timeoutMs: number): Partial<RESTOptions> {
  return {
    api: apiUrl.replace(/\/+$/, ''),
    timeout: timeoutMs,
    // Delivery retries 5xx with backoff; discord.js may only wait out short rate limits (its 50/s global
    // pacing, a 429 of a second or two). Longer waits, and 429s without a wait, surface as RATE_LIMITED.
    retries: 0,
    rejectOnRateLimit: (limit) => !(limit.retryAfter > 0 && limit.retryAfter <= MAX_QUEUED_WAIT_MS),
  };
}

/** Guild messages and DMs without the privileged MessageContent intent: mentions and DMs carry their text anyway. */
export function clientOptions(rest: Partial<RESTOptions>): ClientOptions {
  return {
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    // A Pi keeps little: messages are answered by id through REST, never looked up in a cache. Guilds and
    // channels stay (a guild message in an uncached channel is dropped); members and users only the bot itself.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      PresenceManager: 0,
      ReactionManager: 0,
      ReactionUserManager: 0,
      GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
      ThreadMemberManager: 0,
      VoiceStateManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      GuildBanManager: 0,
      GuildInviteManager: 0,
      GuildScheduledEventManager: 0,
      StageInstanceManager: 0,
      AutoModerationRuleManager: 0,
      ApplicationCommandManager: 0,
    }),
    // Nothing to sweep when nothing is kept: no timers waking an idle Pi.
    sweepers: {},
    rest,
  };
}

/** The command list as Discord's bulk-overwrite endpoint wants it. */
const DISCORD_NAME = /^[-_a-z0-9]{1,32}$/;
const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 99)}…` : text.padEnd(1, '.'));

/**
 * Discord application commands from the command table: typed options (string or integer, with their
 * choices), required ones first as Discord demands. Every command pie-brain answers is published.
 */
export function commandDefinitions(menu: readonly MenuEntry[]): Array<Record<string, unknown>> {
  return menu
    .filter((entry) => DISCORD_NAME.test(entry.name))
    .slice(0, 100)
    .map((entry) => ({
      name: entry.name,
      description: clip(entry.description),
      type: 1,
      options: [...entry.options]
        .sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false))
        .slice(0, 25)
        .map((option) => ({
          type: option.type === 'integer' ? 4 : 3,
          name: option.name,
          description: clip(option.description),
          required: option.required ?? false,
          ...(option.choices ? { choices: option.choices.slice(0, 25).map((choice) => ({ name: choice, value: choice })) } : {}),
        })),
    }));
}

/** One Discord message of a reply: its JSON body and the files attached to it. */
export interface OutgoingMessage {
  body: Record<string, unknown>;
  files: RawFile[];
}

/** A reply as Discord messages: text split to 2,000 characters, images on the last part (ten per message). */
export async function renderReply(reply: Reply): Promise<OutgoingMessage[]> {
  const { files, missing } = await readImages(reply);
  const text = [joinFooter(reply), ...missing.map((path) => `[image missing: ${basename(path)}]`)].join('\n');
  const fileGroups = chunk(files, MAX_FILES);
  const parts = splitText(text, MAX_LENGTH).filter((part) => part.trim().length > 0);
  const messages = parts.map((content) => ({ content, files: [] as RawFile[] }));
  if (messages.length === 0) messages.push({ content: fileGroups.length ? '' : '(empty reply)', files: [] });
  (messages.at(-1) as { files: RawFile[] }).files = fileGroups.shift() ?? [];
  for (const group of fileGroups) messages.push({ content: '', files: group });
  return messages.map(({ content, files: attached }) => {
    const attachments = attached.map((file, id) => ({ id, filename: file.name, ...captionOf(reply, file.name) }));
    return { body: { content, allowed_mentions: NO_PINGS, ...(attached.length ? { attachments } : {}) }, files: attached };
  });
}

/** The first part of a reply, for editing one message in place. */
export function firstPart(reply: Reply): string {
  return splitText(joinFooter(reply) || '(empty reply)', MAX_LENGTH)[0] ?? '(empty reply)';
}

export function isTokenRefused(error: unknown): boolean {
  return (error instanceof DiscordAPIError && error.status === 401) || (error as { code?: unknown })?.code === 'TokenInvalid';
}

function chunk<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

function captionOf(reply: Reply, name: string): { description?: string } {
  const caption = reply.attachments?.find((a) => basename(a.path) === name)?.caption;
  return caption ? { description: caption.slice(0, 1024) } : {};
}

async function readImages(reply: Reply): Promise<{ files: RawFile[]; missing: string[] }> {
  const files: RawFile[] = [];
  const missing: string[] = [];
  for (const attachment of reply.attachments ?? []) {
    try {
      files.push({ name: basename(attachment.path), data: await readFile(attachment.path) });
    } catch {
      missing.push(attachment.path);
    }
  }
  return { files, missing };
}

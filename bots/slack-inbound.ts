import { z } from 'zod';
import type { InboundMessage } from '../core/contracts/messages.js';
import { parseCommand } from '../core/contracts/messages.js';
import { toPlainText } from './slack-format.js';

// Slack's payloads (validated leniently: Slack adds fields all the time) as pie-brain's InboundMessage.

export const SLACK_PLATFORM = 'slack';

const slashCommandSchema = z.object({
  command: z.string().min(2),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  trigger_id: z.string().min(1),
});

/** A slash command with its name and arguments as core sees them (`/task 12`). */
export interface SlackCommand {
  name: string;
  args: string;
  /** The whole command line, e.g. "/task 12". */
  line: string;
  userId: string;
  userName: string;
  channelId: string;
  triggerId: string;
}

export function parseSlashCommand(raw: unknown): SlackCommand | undefined {
  const parsed = slashCommandSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const command = parsed.data;
  const name = command.command.replace(/^\//, '').toLowerCase();
  const args = toPlainText(command.text);
  return {
    name,
    args,
    line: args ? `/${name} ${args}` : `/${name}`,
    userId: command.user_id,
    userName: command.user_name ?? command.user_id,
    channelId: command.channel_id,
    triggerId: command.trigger_id,
  };
}

/** The message of a slash command, answered in `channel` (under the parent message `ts`, if any). */
export function commandMessage(
  command: SlackCommand,
  where: { channel: string; ts?: string | undefined },
  receivedAt: number,
): InboundMessage {
  return {
    id: command.triggerId,
    address: { platform: SLACK_PLATFORM, chatId: where.channel, ...(where.ts ? { threadId: where.ts, replyTo: where.ts } : {}) },
    user: { id: command.userId, name: command.userName },
    text: command.line,
    command: { name: command.name, args: command.args },
    receivedAt,
  };
}

const messageEventSchema = z.object({
  channel: z.string().min(1),
  user: z.string().min(1),
  text: z.string().default(''),
  ts: z.string().min(1),
  thread_ts: z.string().optional(),
  channel_type: z.string().optional(),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
  user_profile: z.object({ display_name: z.string().optional(), real_name: z.string().optional() }).optional(),
});

/** Message subtypes that still carry a person's words; edits, joins and bot posts are not requests. */
const CHAT_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/**
 * An `app_mention` or a `message` event as chat, or undefined when it is no request (a bot's post, an
 * edit, a channel message that is not a DM). Mentions are answered in their thread so channels stay
 * readable; DMs where the user wrote.
 */
export function eventMessage(
  raw: unknown,
  kind: 'mention' | 'direct',
  botUserId: string | undefined,
  receivedAt: number,
): InboundMessage | undefined {
  const parsed = messageEventSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const event = parsed.data;
  if (event.bot_id || (event.subtype && !CHAT_SUBTYPES.has(event.subtype))) return undefined;
  if (kind === 'direct' && event.channel_type !== 'im') return undefined;
  const text = toPlainText(event.text, botUserId);
  const command = parseCommand(text);
  const threadId = kind === 'mention' ? (event.thread_ts ?? event.ts) : event.thread_ts;
  return {
    id: `${event.channel}:${event.ts}`,
    address: { platform: SLACK_PLATFORM, chatId: event.channel, ...(threadId ? { threadId } : {}), replyTo: event.ts },
    user: { id: event.user, name: event.user_profile?.display_name || event.user_profile?.real_name || event.user },
    text,
    ...(command ? { command } : {}),
    receivedAt,
  };
}

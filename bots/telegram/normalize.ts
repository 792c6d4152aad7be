import { z } from 'zod';
import { type InboundMessage, parseCommand } from '../../core/contracts/messages.js';

export const TELEGRAM_PLATFORM = 'telegram';

// Lenient on purpose: Telegram adds fields every few months; only what pie-brain reads is checked.
const telegramMessageSchema = z.object({
  message_id: z.number().int(),
  chat: z.object({ id: z.number().int(), type: z.string() }),
  from: z
    .object({
      id: z.number().int(),
      is_bot: z.boolean().optional(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      username: z.string().optional(),
    })
    .optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  message_thread_id: z.number().int().optional(),
  is_topic_message: z.boolean().optional(),
});

/** Kinds of message a person sends without text; service messages (joins, pins, topic edits) are not among them. */
const CONTENT_KEYS = ['photo', 'sticker', 'document', 'voice', 'video', 'audio', 'animation', 'video_note', 'location', 'contact', 'poll'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** "@pie_bot what is new" in a group means "what is new". */
function stripMention(text: string, botUsername: string | undefined): string {
  if (!botUsername) return text;
  return text.replace(new RegExp(`(^|\\s)@${escapeRegExp(botUsername)}\\b[,:]?`, 'gi'), '$1').trim();
}

/**
 * A Telegram message as an InboundMessage, or undefined when it is not for pie-brain: sent by a bot or a
 * channel, a service message, or a command addressed to another bot (`/help@other_bot`).
 * Chat ids are unique per bot and message ids per chat, so `chatId:messageId` identifies a message.
 */
export function normalizeMessage(payload: unknown, botUsername: string | undefined, receivedAt: number): InboundMessage | undefined {
  const parsed = telegramMessageSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const message = parsed.data;
  const from = message.from;
  if (!from || from.is_bot) return undefined;
  const body = message.text ?? message.caption;
  const hasContent = typeof payload === 'object' && payload !== null && CONTENT_KEYS.some((key) => key in payload);
  if (body === undefined && !hasContent) return undefined;
  const text = body ?? '';
  const addressee = /^\/[A-Za-z][\w-]*@(\w+)/.exec(text.trim())?.[1];
  if (addressee && botUsername && addressee.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  const cleaned = stripMention(text, botUsername);
  const command = parseCommand(cleaned);
  const chatId = String(message.chat.id);
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id);
  return {
    id: `${chatId}:${message.message_id}`,
    address: {
      platform: TELEGRAM_PLATFORM,
      chatId,
      ...(message.is_topic_message && message.message_thread_id !== undefined ? { threadId: String(message.message_thread_id) } : {}),
      replyTo: String(message.message_id),
    },
    user: { id: String(from.id), name },
    text: cleaned,
    ...(command ? { command } : {}),
    receivedAt,
  };
}

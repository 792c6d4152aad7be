import { z } from 'zod';

/** Everything needed to answer in the same place a message came from. */
export const addressSchema = z.object({
  platform: z.string().min(1),
  chatId: z.string().min(1),
  threadId: z.string().optional(),
  /** The platform id of the message being answered (quoted where the platform can). */
  replyTo: z.string().optional(),
});
export type Address = z.infer<typeof addressSchema>;

export const userSchema = z.object({ id: z.string().min(1), name: z.string() });
export type ChatUser = z.infer<typeof userSchema>;

export const commandSchema = z.object({ name: z.string().min(1), args: z.string() });
export type ChatCommand = z.infer<typeof commandSchema>;

/** One message from any platform, in the shape core understands. */
export const inboundMessageSchema = z.object({
  /** The platform's own id of this message: (platform, id) identifies it for deduplication. */
  id: z.string().min(1),
  address: addressSchema,
  user: userSchema,
  text: z.string(),
  command: commandSchema.optional(),
  receivedAt: z.number().int(),
  raw: z.unknown().optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export const attachmentSchema = z.object({
  kind: z.literal('image'),
  /** Path of a file on disk (kept small: replies are stored in SQLite). */
  path: z.string(),
  caption: z.string().optional(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

/** What pie-brain says back. `text` is plain Markdown; each adapter renders it for its platform. */
export const replySchema = z.object({
  text: z.string(),
  attachments: z.array(attachmentSchema).optional(),
  footer: z.string().optional(),
});
export type Reply = z.infer<typeof replySchema>;

/** Platform messages are bounded; anything longer is cut with a clear marker so nothing crashes. */
export const MAX_INBOUND_TEXT = 16_000;

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Whether a text carries anything but whitespace and invisible characters. */
export function hasVisibleText(text: string): boolean {
  return text.replace(ZERO_WIDTH, '').trim().length > 0;
}

/**
 * Split "/name args" into a command. Accepts "/name@botname" (Telegram groups).
 * Returns undefined for text that is not a command.
 */
export function parseCommand(text: string): ChatCommand | undefined {
  const match = /^\/([A-Za-z][\w-]*)(?:@\S+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase(), args: (match[2] ?? '').trim() };
}

/** Text as it appears in a reply: the body, then the footer in italics on its own line. */
export function joinFooter(reply: Reply): string {
  return reply.footer ? `${reply.text}\n\n_${reply.footer}_` : reply.text;
}

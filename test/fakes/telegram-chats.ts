import type { MultipartPart } from './multipart.js';
import { checkTelegramHtml } from './telegram-html.js';
import { ApiFailure } from './telegram-updates.js';

export interface FakeUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  is_bot?: boolean;
}

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  title?: string;
  is_forum?: boolean;
}

/** A message the bot sent (or a message a user sent, kept so replies and edits can refer to it). */
export interface FakeMessage {
  chatId: number;
  messageId: number;
  threadId?: number;
  fromBot: boolean;
  /** What the bot passed as text (or caption), markup included. */
  text: string;
  /** What a user would see: tags removed, entities decoded. */
  visible: string;
  parseMode?: string;
  replyTo?: number;
  photo?: { filename: string; bytes: number };
}

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const badRequest = (description: string) => new ApiFailure(400, `Bad Request: ${description}`);

export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string') {
    try {
      return asObject(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/**
 * The chats of the fake Bot API and the messages in them: checks what Telegram checks (HTML entities,
 * length, forum topics, the message replied to, edits that change nothing) and keeps what was sent.
 */
export class FakeChats {
  /** Messages in every chat, users' and the bot's, in order. */
  readonly messages: FakeMessage[] = [];
  private readonly known = new Map<number, FakeChat>();
  private readonly lastMessageId = new Map<number, number>();

  constructor(private readonly bot: FakeUser) {}

  add(chat: FakeChat): FakeChat {
    this.known.set(chat.id, chat);
    return chat;
  }

  /** Keep a user's message so replies can quote it; returns its message id. */
  userMessage(chat: FakeChat, text: string, threadId: number | undefined): number {
    this.add(chat);
    const messageId = this.nextMessageId(chat.id);
    this.messages.push({
      chatId: chat.id,
      messageId,
      fromBot: false,
      text,
      visible: text,
      ...(threadId !== undefined ? { threadId } : {}),
    });
    return messageId;
  }

  private nextMessageId(chatId: number): number {
    const id = (this.lastMessageId.get(chatId) ?? 0) + 1;
    this.lastMessageId.set(chatId, id);
    return id;
  }

  chatOf(params: Record<string, unknown>): { chat: FakeChat; threadId: number | undefined } {
    const chatId = asNumber(params.chat_id);
    if (chatId === undefined) throw badRequest('chat not found');
    const chat = this.known.get(chatId) ?? { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' };
    const threadId = asNumber(params.message_thread_id);
    if (threadId !== undefined && !chat.is_forum) throw badRequest('message thread not found');
    return { chat, threadId };
  }

  /** Check formatting and length the way Telegram does; returns the visible text. */
  private parse(text: string, parseMode: unknown, limit: number, what: string): string {
    let visible = text;
    if (parseMode === 'HTML') {
      const checked = checkTelegramHtml(text);
      if (!checked.ok) throw new ApiFailure(400, checked.description);
      visible = checked.visible;
    }
    if (what === 'message' && visible.trim().length === 0) throw badRequest('message text is empty');
    if (visible.length > limit) throw badRequest(what === 'message' ? 'message is too long' : 'message caption is too long');
    return visible;
  }

  private deliver(params: Record<string, unknown>, text: string, visible: string, photo?: FakeMessage['photo']): unknown {
    const { chat, threadId } = this.chatOf(params);
    const reply = asObject(params.reply_parameters);
    const replyTo = asNumber(reply?.message_id);
    if (
      replyTo !== undefined &&
      !reply?.allow_sending_without_reply &&
      !this.messages.some((m) => m.chatId === chat.id && m.messageId === replyTo)
    ) {
      throw badRequest('message to be replied not found');
    }
    const messageId = this.nextMessageId(chat.id);
    this.messages.push({
      chatId: chat.id,
      messageId,
      fromBot: true,
      text,
      visible,
      ...(threadId !== undefined ? { threadId } : {}),
      ...(typeof params.parse_mode === 'string' ? { parseMode: params.parse_mode } : {}),
      ...(replyTo !== undefined ? { replyTo } : {}),
      ...(photo ? { photo } : {}),
    });
    return {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: this.bot,
      ...(photo ? { caption: visible } : { text: visible }),
      ...(threadId !== undefined ? { message_thread_id: threadId, is_topic_message: true } : {}),
    };
  }

  sendMessage(params: Record<string, unknown>): unknown {
    const text = String(params.text ?? '');
    return this.deliver(params, text, this.parse(text, params.parse_mode, TEXT_LIMIT, 'message'));
  }

  sendPhoto(params: Record<string, unknown>, files: MultipartPart[]): unknown {
    const reference = String(params.photo ?? '');
    const file = reference.startsWith('attach://') ? files.find((f) => f.name === reference.slice('attach://'.length)) : undefined;
    if (!file || file.data.length === 0) throw badRequest('there is no photo in the request');
    const caption = String(params.caption ?? '');
    const visible = caption ? this.parse(caption, params.parse_mode, CAPTION_LIMIT, 'caption') : '';
    return this.deliver(params, caption, visible, { filename: file.filename ?? '', bytes: file.data.length });
  }

  editMessageText(params: Record<string, unknown>): unknown {
    const { chat } = this.chatOf(params);
    const messageId = asNumber(params.message_id);
    const message = this.messages.find((m) => m.fromBot && m.chatId === chat.id && m.messageId === messageId);
    if (!message) throw badRequest('message to edit not found');
    const text = String(params.text ?? '');
    const visible = this.parse(text, params.parse_mode, TEXT_LIMIT, 'message');
    if (visible === message.visible) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    Object.assign(message, { text, visible, ...(typeof params.parse_mode === 'string' ? { parseMode: params.parse_mode } : {}) });
    return {
      message_id: message.messageId,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: this.bot,
      text: visible,
      edit_date: Math.floor(Date.now() / 1000),
    };
  }
}

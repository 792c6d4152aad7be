import type { Address, InboundMessage, Reply } from './messages.js';

/** What a platform can do; core branches on these, never on the platform's name. */
export interface AdapterCapabilities {
  /** Messages can be edited after sending (progress messages). */
  edit: boolean;
  /** Replies can stay in a thread of the original message. */
  threads: boolean;
  /** Images can be sent. */
  images: boolean;
  /** A typing indicator can be shown. */
  typing: boolean;
  /** The longest single message, in characters; delivery splits longer replies into parts of this size. */
  maxLength: number;
}

/** Which part of a reply a send carries: delivery splits replies and sends (and records) one part at a time. */
export interface ReplyPart {
  /** 0 for the first part (the one that quotes the user's message or answers a slash command). */
  index: number;
  total: number;
}

export type IntakeResult =
  | { status: 'queued'; taskId: number }
  | { status: 'duplicate'; taskId: number }
  | { status: 'refused'; reason: 'not-allowed' | 'empty' };

/** How an adapter hands messages to core. */
export interface Intake {
  /** Durably accept a message (or refuse it). Resolves once it is safe to acknowledge the platform. */
  submit(message: InboundMessage): Promise<IntakeResult>;
  /** Resolves when the task has reached an end and its final reply was delivered (or given up on). */
  whenAnswered(taskId: number): Promise<void>;
  /**
   * Whether this user may use pie-brain at all: lets an adapter avoid showing anything in public (a thread
   * parent for a slash command) before a stranger's message is refused.
   */
  mayUse?(platform: string, userId: string): boolean;
}

export interface SendResult {
  /** The platform's id of the (last) message sent: the delivery receipt. */
  messageId: string;
}

/**
 * One chat platform. Adapters live in bots/, one file each, and are listed once in compose.ts.
 * `send` must throw a PieBrainError with code RATE_LIMITED (with retryAfterMs) or PLATFORM_UNAVAILABLE
 * for failures worth retrying, and PLATFORM_REJECTED for ones that are not.
 */
export interface ChatAdapter {
  readonly platform: string;
  readonly capabilities: AdapterCapabilities;
  start(intake: Intake): Promise<void>;
  stop(): Promise<void>;
  /**
   * Send one part of a reply (at most `capabilities.maxLength` characters of text, or one attachment) in the
   * thread of `address`. Without `part`, the whole reply is one part.
   */
  send(address: Address, reply: Reply, part?: ReplyPart): Promise<SendResult>;
  edit?(address: Address, messageId: string, reply: Reply): Promise<void>;
  typing?(address: Address): Promise<void>;
  /** Whether the adapter is connected to its platform right now (for /health). */
  connected?(): boolean;
}

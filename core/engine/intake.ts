import type { Outbox, OutboxItem } from '../../storage/outbox.js';
import type { TaskQueue } from '../../storage/queue.js';
import type { AccessPolicy } from '../access.js';
import type { Intake, IntakeResult } from '../contracts/chat-adapter.js';
import { hasVisibleText, type InboundMessage, MAX_INBOUND_TEXT, type Reply } from '../contracts/messages.js';
import { BoundedMap } from '../lib/bounded-map.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './events.js';

export interface IntakeDeps {
  queue: TaskQueue;
  outbox: Outbox;
  policy: AccessPolicy;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Minutes between two refusals to the same stranger (so a stranger cannot make pie-brain spam). */
  refusalCooldownMinutes: number;
  /** Wake the engine (a task was queued). */
  wakeEngine(): void;
  /** Resolves when the task's final reply was delivered or given up on. */
  whenAnswered(taskId: number): Promise<void>;
}

function replyAddress(message: InboundMessage): OutboxItem['address'] {
  return { ...message.address, replyTo: message.address.replyTo ?? message.id };
}

/** Most users a refusal is remembered for; a flood of new ids only ever evicts the oldest. */
const MAX_REMEMBERED = 5000;

/**
 * The front door: checks access, drops duplicates, stores the task. Once `submit` resolves the message
 * is on disk and the adapter may acknowledge the platform.
 */
export function createIntake(deps: IntakeDeps): Intake {
  // When each stranger was last refused (and logged): at most once per cooldown, whatever they send.
  const lastRefusal = new BoundedMap<string, number>(MAX_REMEMBERED);
  const cooldownMs = deps.refusalCooldownMinutes * 60_000;

  /** Whether this user may be told (and logged) again now; remembers that they were. */
  function mayRefuse(key: string, now: number): boolean {
    const last = lastRefusal.get(key);
    if (last !== undefined && now - last < cooldownMs) return false;
    lastRefusal.set(key, now);
    return true;
  }

  /**
   * A stranger is refused once per cooldown, whatever they send (slash commands too): nobody outside the
   * allowlist can make pie-brain fill a chat, the outbox or the log, nor keep its owner waiting behind the
   * refusals. An allowed user's empty message is answered each time (it is help, not a refusal of them).
   */
  function refuse(message: InboundMessage, reply: Reply, kind: string, now: number): void {
    const { platform } = message.address;
    if (kind === 'refusal' && !mayRefuse(`${platform}:${message.user.id}`, now)) {
      deps.logger.debug({ platform, userId: message.user.id, kind }, 'refused again within the cooldown; not answered');
      return;
    }
    if (kind === 'refusal') deps.logger.warn({ platform, userId: message.user.id }, 'refused a user who is not allowed');
    deps.outbox.add({ address: replyAddress(message), body: reply, kind: 'refusal', dedupeKey: `${kind}:${platform}:${message.id}` }, now);
  }

  return {
    async submit(message: InboundMessage): Promise<IntakeResult> {
      const { platform } = message.address;
      const now = deps.clock.now();
      if (!deps.policy.isAllowed(platform, message.user.id)) {
        deps.bus.emit('intake-refused', { platform, userId: message.user.id, reason: 'not-allowed' });
        refuse(
          message,
          {
            text: `Sorry, I only work for the people my owner has listed. Your ${platform} user id is \`${message.user.id}\`: ask the owner to add it.`,
          },
          'refusal',
          now,
        );
        return { status: 'refused', reason: 'not-allowed' };
      }
      if (!hasVisibleText(message.text) && !message.command) {
        refuse(message, { text: 'That message looks empty to me. Send some text, or /help to see what I can do.' }, 'empty', now);
        return { status: 'refused', reason: 'empty' };
      }
      const text =
        message.text.length > MAX_INBOUND_TEXT
          ? `${message.text.slice(0, MAX_INBOUND_TEXT)}\n[message cut at ${MAX_INBOUND_TEXT} characters]`
          : message.text;
      const command =
        message.command && message.command.args.length > MAX_INBOUND_TEXT
          ? { ...message.command, args: message.command.args.slice(0, MAX_INBOUND_TEXT) }
          : message.command;
      const stored = { ...message, text, ...(command ? { command } : {}), raw: undefined };
      const { taskId, created } = deps.queue.enqueue(
        {
          platform,
          chatId: message.address.chatId,
          threadId: message.address.threadId,
          replyTo: replyAddress(message).replyTo,
          userId: message.user.id,
          userName: message.user.name,
          platformMessageId: message.id,
          text,
          message: stored,
        },
        now,
      );
      if (!created) return { status: 'duplicate', taskId };
      deps.bus.emit('task-queued', { taskId, platform });
      deps.wakeEngine();
      return { status: 'queued', taskId };
    },
    whenAnswered: (taskId) => deps.whenAnswered(taskId),
    mayUse: (platform, userId) => deps.policy.isAllowed(platform, userId),
  };
}

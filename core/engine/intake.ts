import type { Outbox, OutboxItem } from '../../storage/outbox.js';
import type { TaskQueue } from '../../storage/queue.js';
import type { AccessPolicy } from '../access.js';
import type { Intake, IntakeResult } from '../contracts/chat-adapter.js';
import { hasVisibleText, type InboundMessage, MAX_INBOUND_TEXT, type Reply } from '../contracts/messages.js';
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
  /** Wake the engine (a task was queued) and the delivery loop (a reply was queued). */
  wakeEngine(): void;
  wakeDelivery(): void;
  /** Resolves when the task's final reply was delivered or given up on. */
  whenAnswered(taskId: number): Promise<void>;
}

function replyAddress(message: InboundMessage): OutboxItem['address'] {
  return { ...message.address, replyTo: message.address.replyTo ?? message.id };
}

/**
 * The front door: checks access, drops duplicates, stores the task. Once `submit` resolves the message
 * is on disk and the adapter may acknowledge the platform.
 */
export function createIntake(deps: IntakeDeps): Intake {
  const lastRefusal = new Map<string, number>();

  function refuse(message: InboundMessage, reply: Reply, dedupeKey: string): void {
    deps.outbox.add({ address: replyAddress(message), body: reply, kind: 'refusal', dedupeKey }, deps.clock.now());
    deps.wakeDelivery();
  }

  return {
    async submit(message: InboundMessage): Promise<IntakeResult> {
      const { platform } = message.address;
      const now = deps.clock.now();
      if (!deps.policy.isAllowed(platform, message.user.id)) {
        deps.bus.emit('intake-refused', { platform, userId: message.user.id, reason: 'not-allowed' });
        deps.logger.warn({ platform, userId: message.user.id }, 'message from a user who is not allowed');
        const key = `${platform}:${message.user.id}`;
        const last = lastRefusal.get(key);
        // A slash command is an interaction the platform expects an answer to (Discord shows "thinking…"
        // until it gets one): it is always answered. Free text from the same stranger is answered at most
        // once per cooldown, so nobody can make pie-brain spam a chat.
        if (message.command || last === undefined || now - last >= deps.refusalCooldownMinutes * 60_000) {
          lastRefusal.set(key, now);
          refuse(
            message,
            {
              text: `Sorry, I only work for the people my owner has listed. Your ${platform} user id is \`${message.user.id}\`: ask the owner to add it.`,
            },
            `refusal:${platform}:${message.id}`,
          );
        }
        return { status: 'refused', reason: 'not-allowed' };
      }
      if (!hasVisibleText(message.text) && !message.command) {
        refuse(
          message,
          { text: 'That message looks empty to me. Send some text, or /help to see what I can do.' },
          `empty:${platform}:${message.id}`,
        );
        return { status: 'refused', reason: 'empty' };
      }
      const text =
        message.text.length > MAX_INBOUND_TEXT
          ? `${message.text.slice(0, MAX_INBOUND_TEXT)}\n[message cut at ${MAX_INBOUND_TEXT} characters]`
          : message.text;
      const stored = { ...message, text, raw: undefined };
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

import type { Intake } from '../core/contracts/chat-adapter.js';
import type { InboundMessage, Reply } from '../core/contracts/messages.js';
import { describeForUser } from '../core/errors.js';
import type { Clock } from '../core/lib/clock.js';
import type { Logger } from '../core/logger.js';
import { decodeInteraction } from './discord-wire.js';

const CHANNEL_WINDOW_MS = 60_000;
const CHANNELS_KEPT = 1000;

/**
 * Discord never delivers an event twice, and a slash command was already deferred (the user sees "thinking…"):
 * the one honest answer to a message that could not be stored is to say so, straight through the API (the
 * outbox is in the failing database). Slash commands always get it; chat messages once a minute per channel;
 * people who may not use pie-brain never.
 */
export class UnstoredNotices {
  private readonly lastByChannel = new Map<string, number>();

  constructor(
    private readonly deps: { send(address: InboundMessage['address'], reply: Reply): Promise<unknown>; clock: Clock; logger: Logger },
  ) {}

  async tell(message: InboundMessage, error: unknown, intake: Intake | undefined): Promise<void> {
    if (intake?.mayUse?.(message.address.platform, message.user.id) === false) return;
    const now = this.deps.clock.now();
    if (!decodeInteraction(message.address.replyTo)) {
      const last = this.lastByChannel.get(message.address.chatId);
      if (last !== undefined && now - last < CHANNEL_WINDOW_MS) return;
      if (this.lastByChannel.size >= CHANNELS_KEPT) this.lastByChannel.clear();
      this.lastByChannel.set(message.address.chatId, now);
    }
    try {
      await this.deps.send(message.address, { text: describeForUser(error) });
    } catch (failure) {
      this.deps.logger.warn({ err: failure }, 'could not tell a Discord user their message was not stored');
    }
  }
}

import type { App } from '@slack/bolt';
import { PieBrainError } from '../core/errors.js';

type ReceiverEvent = Parameters<App['processEvent']>[0];

/**
 * Sits between the receiver and Bolt. Bolt acknowledges an Events API event before any listener runs; the
 * gate holds that acknowledgement until the listeners are done, and drops it when one of them could not store
 * its message: Slack then delivers the event again (Socket Mode: no ack; HTTP: a 500 answer).
 */
export class SlackAckGate {
  private readonly unstored = new WeakSet<object>();

  constructor(private readonly app: App) {}

  /** A listener could not store the message in this event body. */
  markUnstored(body: object): void {
    this.unstored.add(body);
  }

  async processEvent(event: ReceiverEvent): Promise<void> {
    if ((event.body as { type?: unknown }).type !== 'event_callback') return this.app.processEvent(event);
    let held: { response: unknown } | undefined;
    await this.app.processEvent({
      ...event,
      ack: async (response?: unknown) => {
        held = { response };
      },
    });
    if (this.unstored.has(event.body)) {
      throw new PieBrainError('STORAGE_FAILED', 'a Slack event could not be stored; not acknowledged, so Slack delivers it again');
    }
    if (held) await event.ack(held.response as Parameters<ReceiverEvent['ack']>[0]);
  }
}

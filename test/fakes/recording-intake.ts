import type { Intake, IntakeResult } from '../../core/contracts/chat-adapter.js';
import type { InboundMessage } from '../../core/contracts/messages.js';

/** An Intake that records what adapters hand it (for adapter tests that need no engine). */
export class RecordingIntake implements Intake {
  readonly messages: InboundMessage[] = [];
  private next = 1;
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  async submit(message: InboundMessage): Promise<IntakeResult> {
    this.messages.push(message);
    for (const waiter of this.waiters.filter((w) => this.messages.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const taskId = this.next;
    this.next += 1;
    return { status: 'queued', taskId };
  }

  async whenAnswered(): Promise<void> {}

  /** Resolves once `count` messages have arrived. */
  received(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.messages.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} messages, got ${this.messages.length}`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

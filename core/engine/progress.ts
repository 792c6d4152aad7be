import type { Outbox } from '../../storage/outbox.js';
import type { Address, Reply } from '../contracts/messages.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';

export interface ProgressMessageOptions {
  outbox: Outbox;
  taskId: number;
  address: Address;
  /** One message per key, across restarts: a re-attached run keeps editing the message it started with. */
  dedupeKey: string;
  clock: Clock;
  logger: Logger;
  /** Edits at most this often (config brains.progressIntervalSeconds). */
  intervalMs: number;
  /** The way out: edits go through delivery, like everything that reaches a platform. */
  delivery: MessageEditor;
}

/** What a progress message needs of delivery. */
export interface MessageEditor {
  canEdit(platform: string): boolean;
  /** `taskId`: the task the message belongs to (the rule packs trace their hits on it). */
  edit(address: Address, messageId: string, reply: Reply, taskId?: number | null): Promise<void>;
}

/**
 * One progress message in a thread, sent once and then edited in place.
 *
 * The first text goes through the outbox like any reply (durable, retried, ordered with the rest of the
 * chat); delivery records the platform's message id as the row's receipt. Updates are edits of that
 * message through delivery, straight and best-effort: an edit that fails is simply superseded by the
 * next one, so edits need no queue of their own. Platforms that cannot edit get the first message only.
 */
export class ProgressMessage {
  private outboxId: number | undefined;
  private lastText: string | undefined;
  private lastEditAt: number;
  private editing = false;
  /** A last word that arrived while an edit was in flight: sent right after it. */
  private pendingFinal: string | undefined;

  constructor(private readonly options: ProgressMessageOptions) {
    this.lastEditAt = options.clock.now();
  }

  /** Whether updates will show (the platform can edit messages). */
  get editable(): boolean {
    return this.options.delivery.canEdit(this.options.address.platform);
  }

  /** Send the first text; a second call (or a restart) finds the same message. */
  start(text: string): void {
    const { outbox, taskId, address, dedupeKey, clock } = this.options;
    const { id, created } = outbox.add({ taskId, address, kind: 'progress', dedupeKey, body: { text } satisfies Reply }, clock.now());
    this.outboxId = id;
    if (created) this.lastText = text;
  }

  /** Edit the message to `text`, unless it was edited less than an interval ago; `force` skips that wait (the last word). */
  async update(text: string, force = false): Promise<void> {
    const { clock } = this.options;
    if (this.outboxId === undefined || text === this.lastText) return;
    if (this.editing) {
      if (force) this.pendingFinal = text;
      return;
    }
    if (!force && clock.now() - this.lastEditAt < this.options.intervalMs) return;
    this.editing = true;
    try {
      await this.edit(text);
    } catch (error) {
      this.options.logger.debug({ err: error, taskId: this.options.taskId }, 'a progress edit failed; the next one replaces it');
    } finally {
      this.editing = false;
    }
    const pending = this.pendingFinal;
    this.pendingFinal = undefined;
    if (pending !== undefined) await this.update(pending, true);
  }

  private async edit(text: string): Promise<void> {
    const { outbox, clock, address, delivery } = this.options;
    if (!delivery.canEdit(address.platform) || this.outboxId === undefined) return;
    const receipt = outbox.get(this.outboxId)?.receipt;
    if (!receipt) return;
    this.lastEditAt = clock.now();
    await delivery.edit(address, receipt, { text }, this.options.taskId);
    this.lastText = text;
  }
}

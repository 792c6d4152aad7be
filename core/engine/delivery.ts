import { chatKey, type Outbox, type OutboxRow } from '../../storage/outbox.js';
import type { ChatAdapter } from '../contracts/chat-adapter.js';
import { type Address, type Reply, replySchema } from '../contracts/messages.js';
import type { RuleGate } from '../contracts/rule-gate.js';
import { isPieBrainError } from '../errors.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './events.js';
import { splitReply } from './reply-parts.js';

export interface DeliveryOptions {
  outbox: Outbox;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  concurrency: number;
  random?: () => number;
  /**
   * The rule packs, for edits of sent messages. Outbox rows need no check here: they were checked before they
   * were stored.
   */
  rules?: Pick<RuleGate, 'guardReply'>;
}

/** How long to wait before the next try: the platform's retry-after if it gave one, else exponential backoff. */
export function retryDelay(attempt: number, error: unknown, base: number, max: number, random: () => number): number {
  if (isPieBrainError(error) && error.retryAfterMs !== undefined) return Math.min(Math.max(error.retryAfterMs, 0), max * 4);
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.8 + random() * 0.4));
}

/**
 * The one way out to the platforms. Sends outbox rows through their platform's adapter, part by part (a
 * long reply split to the platform's limit, each part recorded as sent, so a crash in the middle resumes
 * with the next part), records each receipt, and retries failures with backoff. At most one chat message is
 * in flight per chat, so replies keep their order. Typing indicators and edits of progress messages go out
 * here too, best-effort.
 */
export class Delivery {
  private readonly adapters = new Map<string, ChatAdapter>();
  /** The platforms with an adapter: rows for any other platform wait. */
  private readonly platforms = new Set<string>();
  private readonly inflight = new Map<number, string>();
  private readonly idleWaiters: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  private stopped = true;
  private pumping = false;
  private pumpAgain = false;

  constructor(private readonly options: DeliveryOptions) {}

  addAdapter(adapter: ChatAdapter): void {
    this.adapters.set(adapter.platform, adapter);
    this.platforms.add(adapter.platform);
    this.wake();
  }

  /** Rows a crash left in "sending" go out again: the one window in which a reply may arrive twice. */
  start(): void {
    this.stopped = false;
    for (const row of this.options.outbox.recoverInterrupted(this.options.clock.now())) {
      this.options.logger.warn({ outboxId: row.id, taskId: row.taskId }, 'resending a reply interrupted by a crash; it may arrive twice');
      this.options.bus.emit('reply-resent-after-crash', { outboxId: row.id, taskId: row.taskId });
    }
    this.wake();
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    if (this.inflight.size === 0) return;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(graceTimer);
  }

  wake(): void {
    if (this.stopped) return;
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    let claimedAt = this.options.clock.now();
    try {
      do {
        this.pumpAgain = false;
        claimedAt = this.options.clock.now();
        const room = this.options.concurrency - this.inflight.size;
        if (room <= 0 || this.stopped) break;
        const busy = new Set(this.inflight.values());
        const rows = this.options.outbox.claimDue(claimedAt, room, busy, this.platforms);
        for (const row of rows) this.send(row);
      } while (this.pumpAgain);
    } catch (error) {
      this.options.logger.error({ err: error }, 'delivery loop failed; retrying in a second');
      this.arm(this.options.clock.now() + 1000);
      return;
    } finally {
      this.pumping = false;
    }
    // Rows already due when we claimed but not taken are blocked (a busy chat, no adapter yet, no room):
    // the send that frees them, or the adapter that arrives, wakes the loop. Only later rows need a timer,
    // and one that fell due while we were claiming (a slow, loaded machine) is pumped at once.
    this.arm(this.options.outbox.nextDueAt(claimedAt));
  }

  private arm(at: number | undefined): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (at === undefined || this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => this.pump(), Math.max(0, at - this.options.clock.now()));
    this.timer.unref?.();
  }

  /** Whether messages on this platform can be edited (progress messages). */
  canEdit(platform: string): boolean {
    const adapter = this.adapters.get(platform);
    return Boolean(adapter?.capabilities.edit && adapter.edit);
  }

  /**
   * Edit a sent message, after the rule packs (`taskId`: the task the message belongs to, for its trace);
   * throws when the platform refused (the caller's next edit supersedes this one).
   */
  async edit(address: Address, messageId: string, reply: Reply, taskId: number | null = null): Promise<void> {
    const adapter = this.adapters.get(address.platform);
    if (!adapter?.capabilities.edit || !adapter.edit) return;
    const checked = this.options.rules ? this.options.rules.guardReply(reply, taskId) : reply;
    const [first] = splitReply(checked, adapter.capabilities.maxLength);
    await adapter.edit(address, messageId, first ?? checked);
  }

  /** Show that pie-brain is working on an answer, where the platform can; failures only cost the indicator. */
  typing(address: Address): void {
    const adapter = this.adapters.get(address.platform);
    if (!adapter?.capabilities.typing || !adapter.typing) return;
    adapter.typing(address).catch((error: unknown) => this.options.logger.debug({ err: error }, 'a typing indicator failed'));
  }

  private send(row: OutboxRow): void {
    const adapter = this.adapters.get(row.address.platform);
    if (!adapter) return;
    this.inflight.set(row.id, chatKey(row.address));
    const started = this.options.clock.now();
    const reply = replySchema.safeParse(row.body);
    const body: Reply = reply.success ? reply.data : { text: String((row.body as { text?: unknown })?.text ?? '') };
    this.sendParts(adapter, row, body)
      .then(
        (messageId) => {
          this.options.outbox.markSent(row.id, messageId, this.options.clock.now());
          this.options.bus.emit('reply-sent', {
            outboxId: row.id,
            taskId: row.taskId,
            platform: row.address.platform,
            messageId,
            attempt: row.attempts,
            latencyMs: this.options.clock.now() - started,
          });
        },
        (error: unknown) => this.failed(row, error),
      )
      .catch((error: unknown) => this.options.logger.error({ err: error, outboxId: row.id }, 'could not record a delivery'))
      .finally(() => {
        this.inflight.delete(row.id);
        if (this.inflight.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        this.wake();
      });
  }

  /** The parts not yet sent, in order, each recorded once the platform has it; resolves with the last part's id. */
  private async sendParts(adapter: ChatAdapter, row: OutboxRow, body: Reply): Promise<string> {
    const parts = splitReply(body, adapter.capabilities.maxLength);
    let messageId = row.receipt ?? '';
    for (let index = row.partsSent; index < parts.length; index += 1) {
      messageId = (await adapter.send(row.address, parts[index] as Reply, { index, total: parts.length })).messageId;
      if (index < parts.length - 1) this.options.outbox.markPartSent(row.id, index + 1, messageId);
    }
    return messageId;
  }

  private failed(row: OutboxRow, error: unknown): void {
    const { outbox, clock, bus, logger, maxAttempts, baseDelayMs, maxDelayMs } = this.options;
    const code = isPieBrainError(error) ? error.code : 'INTERNAL';
    const permanent = code === 'PLATFORM_REJECTED';
    const willRetry = !permanent && row.attempts < maxAttempts;
    const now = clock.now();
    const message = error instanceof Error ? error.message : String(error);
    const retryAt = willRetry ? now + retryDelay(row.attempts, error, baseDelayMs, maxDelayMs, this.options.random ?? Math.random) : null;
    outbox.markFailed(row.id, `${code}: ${message}`, retryAt, now);
    bus.emit('reply-failed', {
      outboxId: row.id,
      taskId: row.taskId,
      platform: row.address.platform,
      attempt: row.attempts,
      code,
      willRetry,
    });
    const log = {
      outboxId: row.id,
      platform: row.address.platform,
      attempt: row.attempts,
      code,
      retryInMs: retryAt ? retryAt - now : null,
    };
    if (willRetry) logger.warn(log, 'sending a reply failed; will retry');
    else logger.error({ ...log, msg: message }, 'gave up sending a reply');
  }
}

import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import { type Clock, sleep } from '../../core/lib/clock.js';
import { isStorageFailure } from '../../core/lib/storage-failure.js';
import type { Logger } from '../../core/logger.js';
import { describeApiError, isUnauthorizedError } from './api-errors.js';
import { toGrammySignal } from './signal.js';

export interface UpdatePollerOptions {
  api: Api;
  /** Store one update; throws when it could not be stored (it is then tried again, never confirmed). */
  handle(update: Update): Promise<void>;
  logger: Logger;
  clock: Clock;
  /** For scrubbing error texts. */
  token: string;
  /** Long-poll timeout Telegram holds a getUpdates call open for. */
  timeoutSeconds: number;
  /** First retry delay after a failure, doubled each time up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Tries to store one update before it is skipped (with an error in the log); storage failures are never skipped. */
  maxHandleAttempts: number;
  /** How long stop() waits for the update being stored. */
  stopGraceMs: number;
}

/**
 * Long polling that confirms an update to Telegram only after it was stored: the offset moves past an
 * update once `handle` resolved for it. grammY's built-in loop moves its offset before handling, so an
 * update that failed, or that was being handled during stop(), would be confirmed and lost.
 */
export class UpdatePoller {
  private offset: number | undefined;
  private controller = new AbortController();
  private loop: Promise<void> | undefined;
  private running = false;
  private healthy = false;
  private storagePaused = false;

  constructor(private readonly options: UpdatePollerOptions) {}

  get connected(): boolean {
    return this.running && this.healthy;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.controller = new AbortController();
    this.loop = this.run().catch((error: unknown) => {
      this.options.logger.error({ error: describeApiError(error, this.options.token) }, 'Telegram polling stopped on an unexpected error');
      this.running = false;
    });
  }

  /** Stop polling, wait (bounded) for the update in hand, then confirm what was stored. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.running = false;
    this.controller.abort();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.stopGraceMs)))]);
    clearTimeout(timer);
    this.loop = undefined;
    if (this.offset === undefined) return;
    try {
      // Returned updates are not confirmed by this call: Telegram sends them again next time.
      await this.options.api.getUpdates(
        { offset: this.offset, limit: 1, timeout: 0 },
        toGrammySignal(AbortSignal.timeout(this.options.stopGraceMs)),
      );
    } catch (error) {
      this.options.logger.warn({ error: describeApiError(error, this.options.token) }, 'could not confirm the last Telegram updates');
    }
  }

  private delay(failures: number): number {
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.max(0, failures - 1));
  }

  /** Sleep unless stop() comes first; false when stopping. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(this.options.clock, ms, this.controller.signal);
      return this.running;
    } catch {
      return false;
    }
  }

  private async run(): Promise<void> {
    const { api, logger, token, timeoutSeconds } = this.options;
    let failures = 0;
    while (this.running) {
      let updates: Update[];
      try {
        updates = await api.getUpdates(
          { ...(this.offset === undefined ? {} : { offset: this.offset }), timeout: timeoutSeconds, allowed_updates: ['message'] },
          toGrammySignal(this.controller.signal),
        );
        failures = 0;
        this.healthy = true;
      } catch (error) {
        if (!this.running) break;
        this.healthy = false;
        if (isUnauthorizedError(error)) {
          logger.error('Telegram refused the bot token (401): polling stopped; check TELEGRAM_BOT_TOKEN with @BotFather');
          this.running = false;
          break;
        }
        failures += 1;
        const retryAfter = (error as { parameters?: { retry_after?: number } }).parameters?.retry_after;
        const waitMs = typeof retryAfter === 'number' ? retryAfter * 1000 : this.delay(failures);
        logger.warn({ error: describeApiError(error, token), retryInMs: waitMs }, 'Telegram getUpdates failed; retrying');
        if (!(await this.pause(waitMs))) break;
        continue;
      }
      for (const update of updates) {
        if (!this.running || !(await this.store(update))) break;
        this.offset = update.update_id + 1;
      }
    }
  }

  /**
   * Whether the offset may move past this update: stored, or (for an update that keeps failing for another
   * reason) given up on after the last attempt. When storage fails, polling waits here, on this update, for as
   * long as it takes: Telegram keeps it and everything after it.
   */
  private async store(update: Update): Promise<boolean> {
    const { handle, logger, token, maxHandleAttempts } = this.options;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handle(update);
        if (this.storagePaused) logger.info({ updateId: update.update_id }, 'storage works again; Telegram polling resumed');
        this.storagePaused = false;
        return true;
      } catch (error) {
        const detail = describeApiError(error, token);
        const waitMs = this.delay(attempt);
        if (isStorageFailure(error)) {
          if (!this.storagePaused) {
            logger.error(
              { updateId: update.update_id, error: detail },
              'cannot store Telegram updates; polling paused until storage works',
            );
          }
          this.storagePaused = true;
          if (!(await this.pause(waitMs))) return false;
          continue;
        }
        if (attempt >= maxHandleAttempts) {
          logger.error(
            { updateId: update.update_id, attempts: attempt, error: detail },
            'skipping a Telegram update that could not be handled',
          );
          return true;
        }
        logger.warn(
          { updateId: update.update_id, attempt, error: detail, retryInMs: waitMs },
          'could not store a Telegram update; retrying',
        );
        if (!(await this.pause(waitMs))) return false;
      }
    }
  }
}

import { request as httpRequest, type ServerResponse } from 'node:http';

export type FakeUpdate = Record<string, unknown> & { update_id: number };

/** An error answer of the fake Bot API. */
export class ApiFailure extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

interface Waiter {
  answer(): boolean;
  cancel(): void;
}

/**
 * Updates waiting for the bot, as Telegram keeps them: getUpdates returns them from `offset` on and
 * forgets every update below it (the confirmation); a long poll is held until one arrives or its
 * timeout passes; a newer poll ends an older one with 409.
 */
export class FakeUpdateQueue {
  private pending: FakeUpdate[] = [];
  private nextId = 100_000;
  private readonly waiters = new Set<Waiter>();
  private confirmed = 0;

  /** The highest offset the bot has confirmed with. */
  get confirmedOffset(): number {
    return this.confirmed;
  }

  ids(): number[] {
    return this.pending.map((u) => u.update_id);
  }

  add(body: Record<string, unknown>): FakeUpdate {
    const update = { update_id: this.nextId++, ...body };
    this.pending.push(update);
    for (const waiter of [...this.waiters]) if (waiter.answer()) this.waiters.delete(waiter);
    return update;
  }

  drop(): void {
    this.pending = [];
  }

  cancelPolls(): void {
    for (const waiter of [...this.waiters]) waiter.cancel();
  }

  /** Answer a getUpdates call (now, or when an update arrives or the timeout passes). */
  poll(
    options: { offset?: number; limit?: number; timeoutSeconds?: number },
    res: ServerResponse,
    done: (updates: FakeUpdate[]) => void,
    fail: (error: ApiFailure) => void,
  ): void {
    this.cancelPolls();
    const { offset, limit = 100, timeoutSeconds = 0 } = options;
    if (offset !== undefined && offset > 0) {
      this.confirmed = Math.max(this.confirmed, offset);
      this.pending = this.pending.filter((u) => u.update_id >= offset);
    }
    const take = () => this.pending.slice(0, limit);
    if (take().length || timeoutSeconds <= 0) {
      done(take());
      return;
    }
    const timer = setTimeout(() => {
      this.waiters.delete(waiter);
      done([]);
    }, timeoutSeconds * 1000);
    const waiter: Waiter = {
      answer: () => {
        if (!take().length) return false;
        clearTimeout(timer);
        done(take());
        return true;
      },
      cancel: () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        fail(new ApiFailure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
      },
    };
    res.once('close', () => {
      clearTimeout(timer);
      this.waiters.delete(waiter);
    });
    this.waiters.add(waiter);
  }

  /** POST every pending update to a webhook, as Telegram does; accepted ones (2xx) are forgotten. */
  async deliver(url: string, secret: string | undefined): Promise<number[]> {
    const statuses: number[] = [];
    for (const update of [...this.pending]) {
      const status = await postJson(url, update, secret);
      statuses.push(status);
      if (status >= 200 && status < 300) this.pending = this.pending.filter((u) => u !== update);
    }
    return statuses;
  }
}

function postJson(url: string, body: unknown, secret: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

import type { PriceBook, PricedUsage, SpendAllowance, SpendGate, SpendRequest, SpendReservation } from '../../core/contracts/spend.js';
import { LOCAL_PROVIDERS } from '../../core/costs/model-catalog.js';
import { PieBrainError } from '../../core/errors.js';

export interface RecordedReservation {
  request: SpendRequest;
  settledUsd?: number;
  released?: boolean;
}

/**
 * A spend gate with one budget, for tests: it refuses a reservation that would take reserved plus spent past
 * `limitUsd` (BUDGET_EXCEEDED with a readable message), and records every reservation and how it ended.
 */
export class FakeSpendGate implements SpendGate {
  readonly reservations: RecordedReservation[] = [];
  spentUsd = 0;
  private reservedUsd = 0;
  private counter = 0;
  private readonly handles = new Map<string, SpendReservation>();

  constructor(public limitUsd = 100) {}

  reserve(request: SpendRequest): SpendReservation {
    if (this.spentUsd + this.reservedUsd + request.capUsd > this.limitUsd + 1e-9) {
      const left = Math.max(0, this.limitUsd - this.spentUsd - this.reservedUsd);
      throw new PieBrainError('BUDGET_EXCEEDED', `reservation of ${request.capUsd} refused`, {
        userMessage: `this run may cost up to $${request.capUsd.toFixed(2)} and only $${left.toFixed(2)} of the $${this.limitUsd.toFixed(2)} monthly budget is left.`,
      });
    }
    const record: RecordedReservation = { request };
    this.reservations.push(record);
    this.reservedUsd += request.capUsd;
    this.counter += 1;
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      this.reservedUsd -= request.capUsd;
      return true;
    };
    const handle: SpendReservation = {
      id: `r${this.counter}`,
      capUsd: request.capUsd,
      settle: (actualUsd) => {
        if (!close()) return;
        record.settledUsd = actualUsd;
        this.spentUsd += actualUsd;
      },
      release: () => {
        if (close()) record.released = true;
      },
      allowance: (): SpendAllowance => {
        const room = Math.max(0, this.limitUsd - this.spentUsd - (this.reservedUsd - (open ? request.capUsd : 0)));
        if (room < request.capUsd) return { usd: room, limit: 'month', detail: `the $${room.toFixed(2)} left of the budget` };
        return { usd: request.capUsd, limit: 'cap', detail: `its cap of $${request.capUsd.toFixed(2)}` };
      },
    };
    this.handles.set(handle.id, handle);
    return handle;
  }

  resume(id: string): SpendReservation | undefined {
    return this.handles.get(id);
  }
}

/** Claude Sonnet's list prices per million tokens for every Claude model; local models cost $0; others have no price (PRICE_UNKNOWN). */
export class FakePriceBook implements PriceBook {
  costUsd(provider: string, model: string, usage: PricedUsage): number {
    if (LOCAL_PROVIDERS.has(provider)) return 0;
    if (provider !== 'anthropic' || !model.startsWith('claude-')) {
      throw new PieBrainError('PRICE_UNKNOWN', `no price for ${provider}/${model}`);
    }
    const perMillion =
      usage.inputTokens * 3 +
      usage.outputTokens * 15 +
      (usage.cacheReadTokens ?? 0) * 0.3 +
      (usage.cacheWrite5mTokens ?? 0) * 3.75 +
      (usage.cacheWrite1hTokens ?? 0) * 6;
    return perMillion / 1e6;
  }
}

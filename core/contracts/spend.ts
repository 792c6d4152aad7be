/**
 * Money contracts shared by everything that spends: the price book turns a provider's reported usage into
 * dollars; the spend gate is asked before every paid call. core/costs implements both.
 */
export interface PricedUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  /** Cache writes at the 5-minute rate (Anthropic's default). */
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
}

export interface PriceBook {
  /** Dollars for this usage. Local models cost 0; a cloud model without a price throws PRICE_UNKNOWN. */
  costUsd(provider: string, model: string, usage: PricedUsage): number;
}

export interface SpendRequest {
  taskId: number | null;
  /** anthropic, claude-code, aider, ... */
  provider: string;
  model?: string;
  /** The most this call may cost (a run's --max-budget-usd, or an estimate for one API call). */
  capUsd: number;
  /** Why the call is made (the route's reason); recorded for paid calls. */
  purpose: string;
  /** How long the hold counts if it is never settled (a crash); the gate's default otherwise. A long run asks for more. */
  holdMs?: number;
  /**
   * A user who may spend only a share of the monthly budget (config access.grants budgetShare): their
   * month's spend plus this cap must stay within it. Absent for admins and jobs.
   */
  user?: { key: string; share: number };
}

/** How much a call in flight may cost in all, and what sets that figure. */
export interface SpendAllowance {
  usd: number;
  /** Its own cap, or what is left of the month's or the day's budget (other spending and holds counted). */
  limit: 'cap' | 'month' | 'day' | 'share';
  /** For the user: "the $1.00 left of this month's $5.00 budget". */
  detail: string;
}

export interface SpendReservation {
  readonly id: string;
  readonly capUsd: number;
  /** Record what the call really cost and free the rest of the reservation. */
  settle(actualUsd: number): void;
  /** The call did not happen: free the reservation. */
  release(): void;
  /**
   * What the call may cost in all right now: its cap, or less when the budget left beside this hold has
   * shrunk (the budget was lowered, another call cost more than it reserved, a new day or month began). A
   * caller that meters a long call stops it here.
   */
  allowance(): SpendAllowance;
}

export interface SpendGate {
  /**
   * Reserve `capUsd` against the budgets, atomically (two calls racing the last dollar cannot both pass).
   * Throws PieBrainError BUDGET_EXCEEDED with a user-readable message when the call is not allowed.
   */
  reserve(request: SpendRequest): SpendReservation;
  /**
   * The reservation `id` again, after a restart: settling it frees its hold, and it is held to its allowance.
   * Undefined when the gate does not know it.
   */
  resume(id: string): SpendReservation | undefined;
}

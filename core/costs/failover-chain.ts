import { isPieBrainError, PieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';

export interface FailoverOptions {
  clock: Clock;
  /** First cooldown after a 429/5xx; doubled for each failure in a row. */
  baseCooldownMs?: number;
  maxCooldownMs?: number;
  /** How long a model the API says does not exist (404) stays out; default a day. */
  goneCooldownMs?: number;
}

export interface RunOptions {
  /** Members to try, in this order (default: the chain's own order); members not listed are not tried. */
  order?: readonly string[];
  /** Told of every failed try, and whether it started a cooldown (false: the error is thrown at once). */
  onFailure?(member: string, error: unknown, cooled: boolean): void;
}

const COOLDOWN_CODES = new Set(['RATE_LIMITED', 'UPSTREAM_FAILED', 'LLM_UNAVAILABLE', 'BRAIN_UNAVAILABLE', 'NETWORK', 'TIMEOUT']);

/**
 * Whether an error means "this provider is overloaded or down for now" (HTTP 429 or 5xx, or the codes
 * our providers map them to), and how long it asked us to wait. Undefined for errors a cooldown would
 * not fix (a bad request, a refused budget).
 */
export function cooldownHint(error: unknown): { retryAfterMs?: number; gone?: true } | undefined {
  if (isPieBrainError(error)) {
    if (error.code === 'MODEL_MISSING') return { gone: true };
    if (!COOLDOWN_CODES.has(error.code)) return undefined;
    return error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {};
  }
  const status = (error as { status?: unknown; status_code?: unknown } | null)?.status ?? (error as { status_code?: unknown })?.status_code;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return {};
  return undefined;
}

interface MemberState {
  failures: number;
  until: number;
}

/**
 * An ordered list of providers (or models) to try. A member that answered 429/5xx cools down (its
 * retry-after, else exponential from baseCooldownMs) and is skipped until then; a model that is gone (404)
 * stays out for goneCooldownMs; a success resets it.
 */
export class FailoverChain {
  private readonly state = new Map<string, MemberState>();
  private readonly base: number;
  private readonly max: number;
  private readonly gone: number;

  constructor(
    readonly members: readonly string[],
    private readonly options: FailoverOptions,
  ) {
    if (members.length === 0) throw new RangeError('Expected at least one member in a failover chain');
    this.base = options.baseCooldownMs ?? 30_000;
    this.max = options.maxCooldownMs ?? 600_000;
    this.gone = options.goneCooldownMs ?? 24 * 3600_000;
  }

  /** Members not cooling down, in chain order. */
  available(): string[] {
    const now = this.options.clock.now();
    return this.members.filter((member) => (this.state.get(member)?.until ?? 0) <= now);
  }

  cooldownUntil(member: string): number | undefined {
    const until = this.state.get(member)?.until ?? 0;
    return until > this.options.clock.now() ? until : undefined;
  }

  reportSuccess(member: string): void {
    this.state.delete(member);
  }

  /** Returns whether the failure started a cooldown. */
  reportFailure(member: string, error: unknown): boolean {
    const hint = cooldownHint(error);
    if (!hint) return false;
    const failures = (this.state.get(member)?.failures ?? 0) + 1;
    const backoff = Math.min(this.max, this.base * 2 ** (failures - 1));
    const wait = hint.gone ? this.gone : Math.max(backoff, Math.min(hint.retryAfterMs ?? 0, this.max));
    this.state.set(member, { failures, until: this.options.clock.now() + wait });
    return true;
  }

  /**
   * Try the available members in order until one succeeds. Errors that a cooldown would not fix are
   * thrown at once; when every member is cooling down, LLM_UNAVAILABLE says when the first one is back.
   * A member that starts cooling during the run (another call's 429) is skipped when its turn comes.
   */
  async run<T>(attempt: (member: string) => Promise<T>, options: RunOptions = {}): Promise<{ member: string; result: T }> {
    let lastError: unknown;
    const order = options.order ?? this.members;
    for (const member of order) {
      // Asked again before each try: another call's 429 may have cooled a member down meanwhile.
      if (!this.available().includes(member)) continue;
      try {
        const result = await attempt(member);
        this.reportSuccess(member);
        return { member, result };
      } catch (error) {
        const cooled = this.reportFailure(member, error);
        options.onFailure?.(member, error, cooled);
        if (!cooled) throw error;
        lastError = error;
      }
    }
    const now = this.options.clock.now();
    const tried = order.filter((member) => this.members.includes(member));
    const next = tried.length ? Math.min(...tried.map((m) => this.cooldownUntil(m) ?? now)) : now;
    throw new PieBrainError('LLM_UNAVAILABLE', `Every member of the chain (${tried.join(', ')}) is cooling down.`, {
      cause: lastError,
      retryAfterMs: Math.max(0, next - now),
      userMessage: 'The paid models are busy or down right now; I will try again shortly.',
    });
  }
}

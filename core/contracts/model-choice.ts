import type { ErrorCode } from '../errors.js';

/**
 * Choosing a paid model (version 1): what the router decided about a request goes in, an ordered chain of
 * models comes out with the reason for the order. core/costs/model-router.ts implements it; cloud chat and
 * the Anthropic brain use it, and report back how each try went so the next choice knows.
 */
export type Complexity = 'light' | 'standard' | 'heavy';

/** A request as far as choosing a model goes: the route's decision and the request's size. */
export interface RequestProfile {
  /** The user's request. */
  text: string;
  /** The tool the route named (`chat` for conversation). */
  tool?: string | undefined;
  /** The route's reason (the routing model's, or the rule's name). */
  reason?: string | undefined;
  /** Whether the route handed the work to a cloud brain. */
  handoff?: boolean;
  /** Longest answer allowed, in tokens. */
  maxOutputTokens: number;
  /** The most one call may cost (a run's cap); a model that could cost more is left out. */
  maxCostUsd?: number;
}

export interface PlannedModel {
  model: string;
  /** Dollars for the request's estimated prompt and the longest answer, at list prices. */
  expectedUsd: number;
  p95Ms: number | null;
  /** Health score 0..100 (errors, latency, availability); null while untested. */
  score: number | null;
  /** Set when the model is cooling down after a 429, 5xx or 404: tried last, and only once it is back. */
  coolingUntil?: number;
}

export interface ModelPlan {
  complexity: Complexity;
  /** What made it that complexity: `1,840 chars`, `handed off`, `reason: refactor`. */
  signals: string[];
  /** cost-optimal, latency-optimal or quality-optimal. */
  strategy: string;
  /** Models to try, in order. */
  chain: PlannedModel[];
  /** Models of the pool left out, and why (retired, no price, over the cap). */
  skipped: Array<{ model: string; why: string }>;
  /** One line: the first choice and its justification (for the ledger and the trace). */
  why: string;
}

/** How one try of one model went. */
export interface ModelAttempt {
  model: string;
  ok: boolean;
  latencyMs: number;
  /** The failure's PieBrainError code. */
  code?: ErrorCode;
  status?: number | null;
  /** How long the API asked us to wait (retry-after). */
  retryAfterMs?: number;
}

/** The choice and its justification, as the ledger keeps it with a paid call. */
export interface ModelChoiceNote {
  /** One line: which model answered and why it was that one. */
  why: string;
  detail: Record<string, unknown>;
}

export interface ModelChooser {
  plan(profile: RequestProfile): ModelPlan;
  /** A try made elsewhere (a detached run): its health counts, a 429/5xx/404 cools the model down. */
  observe(attempt: ModelAttempt): void;
  /** The ledger's note for the model that answered after the failures before it. */
  justify(plan: ModelPlan, model: string, failures: readonly ModelAttempt[]): ModelChoiceNote;
}

import type { Capability, ModelInfo } from './model-registry.js';

/** How to pick among paid models that can all do the job. */
export type SelectionStrategy = 'cost-optimal' | 'latency-optimal' | 'quality-optimal';

export interface Candidate {
  id: string;
  provider: string;
  /** Dollars per million tokens. */
  inputPrice: number;
  outputPrice: number;
  /** 1 to 10 (the registry's quality rank). */
  quality: number;
  /** Measured p95 latency (the provider monitor); null when not measured yet. */
  p95LatencyMs: number | null;
  capabilities: readonly Capability[];
  contextWindow: number | null;
}

export interface SelectionNeeds {
  inputTokens: number;
  outputTokens: number;
  minQuality?: number;
  /** The most one call may cost. */
  maxCostUsd?: number;
  capabilities?: readonly Capability[];
}

export function candidateFromModel(model: ModelInfo, p95LatencyMs: number | null = null): Candidate | undefined {
  if (!model.prices) return undefined;
  return {
    id: model.id,
    provider: model.provider,
    inputPrice: model.prices.input,
    outputPrice: model.prices.output,
    quality: model.quality,
    p95LatencyMs,
    capabilities: model.capabilities,
    contextWindow: model.contextWindow,
  };
}

export function expectedCostUsd(candidate: Candidate, needs: Pick<SelectionNeeds, 'inputTokens' | 'outputTokens'>): number {
  return (needs.inputTokens * candidate.inputPrice + needs.outputTokens * candidate.outputPrice) / 1_000_000;
}

function fits(candidate: Candidate, needs: SelectionNeeds): boolean {
  if (needs.minQuality !== undefined && candidate.quality < needs.minQuality) return false;
  if (needs.maxCostUsd !== undefined && expectedCostUsd(candidate, needs) > needs.maxCostUsd) return false;
  if (candidate.contextWindow !== null && needs.inputTokens + needs.outputTokens > candidate.contextWindow) return false;
  return (needs.capabilities ?? []).every((capability) => candidate.capabilities.includes(capability));
}

// Unmeasured latency sorts last: a model we know is fast beats one we know nothing about.
const latencyOf = (c: Candidate) => c.p95LatencyMs ?? Number.POSITIVE_INFINITY;

const COMPARE: Record<SelectionStrategy, (needs: SelectionNeeds) => (a: Candidate, b: Candidate) => number> = {
  'cost-optimal': (needs) => (a, b) =>
    expectedCostUsd(a, needs) - expectedCostUsd(b, needs) || b.quality - a.quality || latencyOf(a) - latencyOf(b),
  'latency-optimal': (needs) => (a, b) =>
    latencyOf(a) - latencyOf(b) || expectedCostUsd(a, needs) - expectedCostUsd(b, needs) || b.quality - a.quality,
  'quality-optimal': (needs) => (a, b) =>
    b.quality - a.quality || expectedCostUsd(a, needs) - expectedCostUsd(b, needs) || latencyOf(a) - latencyOf(b),
};

/**
 * The candidates that meet the needs, best first for the strategy (ties broken by the other two
 * criteria, then by id so the order is stable). Pure: no I/O, no clock.
 */
export function rankCandidates(candidates: readonly Candidate[], strategy: SelectionStrategy, needs: SelectionNeeds): Candidate[] {
  const compare = COMPARE[strategy](needs);
  return candidates.filter((c) => fits(c, needs)).sort((a, b) => compare(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

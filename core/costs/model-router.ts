import type {
  Complexity,
  ModelAttempt,
  ModelChoiceNote,
  ModelChooser,
  ModelPlan,
  PlannedModel,
  RequestProfile,
} from '../contracts/model-choice.js';
import { isPieBrainError, PieBrainError } from '../errors.js';
import { ProviderMonitor } from '../health/provider-monitor.js';
import type { Clock } from '../lib/clock.js';
import { formatUsd } from '../lib/format.js';
import { FailoverChain, type FailoverOptions } from './failover-chain.js';
import { choiceWhy, listFailures } from './model-failures.js';
import { modelNotice } from './model-lifecycle.js';
import type { ModelInfo } from './model-registry.js';
import { type Candidate, candidateFromModel, expectedCostUsd, rankCandidates, type SelectionStrategy } from './model-selection.js';
import { assessComplexity } from './request-complexity.js';

export interface ModelRouterOptions {
  clock: Clock;
  /** The provider the models belong to (`anthropic`). */
  provider: string;
  /** The models to choose from (config anthropic.models and anthropic.model). */
  pool: readonly string[];
  /** The model registry (prices, quality, limits), built on first use. */
  registry: () => { resolve(model: string, provider?: string): ModelInfo | undefined };
  /** A p95 above this is slow: the model goes after the others (default 30 s). */
  latencyTargetMs?: number;
  failover?: Omit<FailoverOptions, 'clock'>;
  /** The API said it does not serve a model (404: gone true), or that model answered (gone false). */
  onGone?(model: string, gone: boolean): void;
}

/** What each level of complexity asks of a model: how to rank, and the quality below which a model is a last resort. */
const TIERS: Record<Complexity, { strategy: SelectionStrategy; minQuality: number; words: string }> = {
  light: { strategy: 'cost-optimal', minQuality: 0, words: 'the cheapest' },
  standard: { strategy: 'cost-optimal', minQuality: 8, words: 'the cheapest good' },
  heavy: { strategy: 'quality-optimal', minQuality: 8, words: 'the best (then cheapest)' },
};

// A score below this (0..100, see core/health/provider-score.ts) is POOR: such a model goes after the healthy ones.
const POOR_SCORE = 50;
const MIN_CALLS = 5;
// Roughly what the chat and brain prompts add around the request (prefs, instructions, earlier turns).
const PROMPT_OVERHEAD_TOKENS = 1000;

interface Ranked extends PlannedModel {
  /** 0: fits and healthy; 1: fits, poor health or slow; 2: below the quality wanted; 3: both. */
  rank: number;
}

/**
 * Chooses paid models for a request: the pool is ranked by the request's complexity (cheapest for light
 * work, best for heavy work) with prices and quality from the model registry, then reordered by health:
 * models that fail or answer slowly go after the healthy ones, and a model cooling down after a 429, 5xx
 * or 404 (its retry-after, else a growing backoff; a day for a 404) is tried last and only once it is back.
 * `run` walks the chain; every try, here or in a detached run (`observe`), updates the health it ranks by.
 */
export class ModelRouter implements ModelChooser {
  private readonly chain: FailoverChain;
  private readonly monitor: ProviderMonitor;
  readonly pool: readonly string[];

  constructor(private readonly options: ModelRouterOptions) {
    this.pool = [...new Set(options.pool)];
    this.chain = new FailoverChain(this.pool, { ...options.failover, clock: options.clock });
    // Per model, measured only: the provider-wide monitor of /health raises the alerts.
    this.monitor = new ProviderMonitor({ clock: options.clock });
    for (const model of this.pool) this.monitor.track(model, { latencyTargetMs: options.latencyTargetMs ?? 30_000 });
  }

  plan(profile: RequestProfile): ModelPlan {
    const { level, signals } = assessComplexity(profile);
    const tier = TIERS[level];
    const needs = {
      inputTokens: Math.ceil(profile.text.length / 4) + PROMPT_OVERHEAD_TOKENS,
      outputTokens: profile.maxOutputTokens,
      ...(profile.maxCostUsd !== undefined ? { maxCostUsd: profile.maxCostUsd } : {}),
    };
    const skipped: ModelPlan['skipped'] = [];
    const candidates: Candidate[] = [];
    const health = new Map(this.pool.map((id) => [id, this.monitor.health(id)] as const));
    const now = this.options.clock.now();
    for (const id of this.pool) {
      const notice = modelNotice('model', id, now);
      if (notice?.state === 'retired') {
        skipped.push({ model: id, why: `retired on ${notice.retiresOn}` });
        continue;
      }
      const info = this.options.registry().resolve(id, this.options.provider);
      const candidate = info ? candidateFromModel({ ...info, id }, health.get(id)?.p95Ms ?? null) : undefined;
      if (!candidate) skipped.push({ model: id, why: 'no known price' });
      else candidates.push(candidate);
    }
    const good = new Set(rankCandidates(candidates, tier.strategy, { ...needs, minQuality: tier.minQuality }).map((c) => c.id));
    const usable = rankCandidates(candidates, tier.strategy, needs);
    for (const candidate of candidates) {
      if (!usable.includes(candidate)) skipped.push({ model: candidate.id, why: unfit(candidate, needs) });
    }
    const ranked = usable.map((candidate): Ranked => {
      const measured = health.get(candidate.id) ?? this.monitor.health(candidate.id);
      // A poor score counts once there is evidence: down (failures in a row) or enough calls in the last hour.
      const evidence = measured.state === 'down' || measured.calls1h >= MIN_CALLS;
      const poor = evidence && measured.score !== null && measured.score < POOR_SCORE;
      const degraded = poor || (measured.p95Ms ?? 0) > measured.latencyTargetMs;
      const coolingUntil = this.chain.cooldownUntil(candidate.id);
      return {
        model: candidate.id,
        expectedUsd: expectedCostUsd(candidate, needs),
        p95Ms: measured.p95Ms,
        score: measured.score,
        ...(coolingUntil !== undefined ? { coolingUntil } : {}),
        rank: (good.has(candidate.id) ? 0 : 2) + (degraded ? 1 : 0),
      };
    });
    const ready = ranked.filter((m) => m.coolingUntil === undefined).sort((a, b) => a.rank - b.rank);
    const cooling = ranked.filter((m) => m.coolingUntil !== undefined).sort((a, b) => (a.coolingUntil ?? 0) - (b.coolingUntil ?? 0));
    const chain = [...ready, ...cooling].map(({ rank: _rank, ...model }) => model);
    const plan: ModelPlan = { complexity: level, signals, strategy: tier.strategy, chain, skipped, why: '' };
    plan.why = this.explain(plan, ready, cooling, good.size);
    return plan;
  }

  /**
   * Try the plan's models in order until one answers. A 429, 5xx or 404 cools that model down and the next
   * one is tried; any other error (a refused budget, a bad request) is thrown at once. When none answered,
   * LLM_UNAVAILABLE says why each failed and when the first is back (the engine retries the task then).
   * `latencyOf` says how long a result took, or undefined when no call was made (a cached answer).
   */
  async run<T>(
    plan: ModelPlan,
    attempt: (model: string, failures: readonly ModelAttempt[]) => Promise<T>,
    latencyOf: (result: T) => number | undefined = () => undefined,
  ): Promise<{ model: string; result: T; failures: ModelAttempt[] }> {
    if (plan.chain.length === 0) {
      throw new PieBrainError('MODEL_MISSING', plan.why, {
        userMessage: `no paid model can take it: ${plan.why}. An admin can check anthropic.models.`,
      });
    }
    const failures: ModelAttempt[] = [];
    let started = 0;
    try {
      const { member, result } = await this.chain.run(
        async (model) => {
          started = performance.now();
          return attempt(model, failures);
        },
        {
          order: plan.chain.map((m) => m.model),
          onFailure: (model, error, cooled) => {
            if (!cooled) return;
            const failure = attemptOf(model, error, performance.now() - started);
            failures.push(failure);
            this.record(failure);
          },
        },
      );
      const latencyMs = latencyOf(result);
      if (latencyMs !== undefined) this.record({ model: member, ok: true, latencyMs });
      return { model: member, result, failures };
    } catch (error) {
      if (!isPieBrainError(error) || error.code !== 'LLM_UNAVAILABLE' || failures.length === 0) throw error;
      throw new PieBrainError('LLM_UNAVAILABLE', `no paid model answered: ${listFailures(failures)}`, {
        cause: error,
        ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
        userMessage: listFailures(failures),
      });
    }
  }

  /** A try made elsewhere (a detached run): a success counts towards the model's p95, a failure cools it down. */
  observe(attempt: ModelAttempt): void {
    if (!this.pool.includes(attempt.model)) return;
    if (attempt.ok) this.chain.reportSuccess(attempt.model);
    else this.chain.reportFailure(attempt.model, errorOf(attempt));
    this.record(attempt);
  }

  justify(plan: ModelPlan, model: string, failures: readonly ModelAttempt[]): ModelChoiceNote {
    const planned = plan.chain.find((m) => m.model === model);
    return {
      why: choiceWhy(model, failures, plan.why),
      detail: {
        model,
        complexity: plan.complexity,
        signals: plan.signals,
        strategy: plan.strategy,
        chain: plan.chain.map((m) => m.model),
        expectedUsd: planned?.expectedUsd ?? null,
        p95Ms: planned?.p95Ms ?? null,
        score: planned?.score ?? null,
        failures: failures.map((f) => ({ model: f.model, code: f.code ?? null, status: f.status ?? null })),
        skipped: plan.skipped,
      },
    };
  }

  private record(attempt: ModelAttempt): void {
    this.monitor.recordCall(attempt.model, {
      ok: attempt.ok,
      latencyMs: attempt.latencyMs,
      ...(attempt.code ? { error: attempt.code } : {}),
    });
    if (attempt.ok || attempt.code === 'MODEL_MISSING') this.options.onGone?.(attempt.model, !attempt.ok);
  }

  /** "claude-haiku-4-5 for a light request (42 chars): the cheapest of 3 ($0.0051 at most); then claude-sonnet-5, ...". */
  private explain(plan: ModelPlan, ready: PlannedModel[], cooling: PlannedModel[], goodCount: number): string {
    const first = plan.chain[0];
    const request = `a ${plan.complexity} request (${plan.signals.join(', ')})`;
    if (!first) return `no model for ${request}: ${plan.skipped.map((s) => `${s.model} ${s.why}`).join(', ') || 'the pool is empty'}`;
    const tier = TIERS[plan.complexity];
    const health = first.score === null ? 'untested' : `health ${first.score}`;
    const latency = first.p95Ms === null ? '' : `, p95 ${Math.round(first.p95Ms)} ms`;
    const basis =
      ready.length === 0
        ? 'every model is cooling down; the first back'
        : goodCount === 0
          ? `${tier.words} of ${ready.length} (none reaches the quality wanted)`
          : `${tier.words} of ${ready.length} ready`;
    const parts = [`${first.model} for ${request}: ${basis} (${formatUsd(first.expectedUsd)} at most, ${health}${latency})`];
    const rest = plan.chain.slice(1).map((m) => m.model);
    if (rest.length) parts.push(`then ${rest.join(', ')}`);
    if (cooling.length && ready.length) parts.push(`cooling down: ${cooling.map((m) => m.model).join(', ')}`);
    if (plan.skipped.length) parts.push(`left out: ${plan.skipped.map((s) => `${s.model} (${s.why})`).join(', ')}`);
    return parts.join('; ');
  }
}

function unfit(candidate: Candidate, needs: { inputTokens: number; outputTokens: number; maxCostUsd?: number }): string {
  const cost = expectedCostUsd(candidate, needs);
  if (needs.maxCostUsd !== undefined && cost > needs.maxCostUsd)
    return `${formatUsd(cost)} at most, over the ${formatUsd(needs.maxCostUsd)} cap`;
  return 'the request does not fit its context window';
}

function attemptOf(model: string, error: unknown, latencyMs: number): ModelAttempt {
  const status = (error as { cause?: { status?: unknown } } | null)?.cause?.status;
  return {
    model,
    ok: false,
    latencyMs,
    ...(isPieBrainError(error) ? { code: error.code } : {}),
    ...(typeof status === 'number' ? { status } : {}),
    ...(isPieBrainError(error) && error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  };
}

function errorOf(attempt: ModelAttempt): PieBrainError {
  return new PieBrainError(attempt.code ?? 'LLM_UNAVAILABLE', `${attempt.model} failed`, {
    ...(attempt.retryAfterMs !== undefined ? { retryAfterMs: attempt.retryAfterMs } : {}),
  });
}

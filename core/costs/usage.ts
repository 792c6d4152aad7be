import { z } from 'zod';
import type { LedgerEntry } from '../../storage/ledger.js';
import type { PriceBook, PricedUsage } from '../contracts/spend.js';

const count = z.number().min(0).catch(0).optional();

/** Anthropic's usage block (Messages API and Claude Code's result line), leniently: missing numbers are 0. */
const anthropicUsageSchema = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count.nullable(),
  cache_read_input_tokens: count.nullable(),
  cache_creation: z
    .looseObject({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count })
    .nullable()
    .optional()
    .catch(undefined),
});

export type AnthropicUsage = z.input<typeof anthropicUsageSchema>;

/**
 * Anthropic usage to priced usage. `input_tokens` excludes cache reads and writes, each priced at its own
 * rate once. Cache writes without a 5m/1h breakdown are 5-minute writes (Anthropic's default).
 */
export function fromAnthropicUsage(raw: unknown): PricedUsage {
  const usage = anthropicUsageSchema.parse(raw ?? {});
  const written = usage.cache_creation_input_tokens ?? 0;
  const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const fiveMinutes = usage.cache_creation?.ephemeral_5m_input_tokens ?? 0;
  const split = oneHour + fiveMinutes > 0;
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWrite5mTokens: split ? Math.max(fiveMinutes, written - oneHour) : written,
    cacheWrite1hTokens: split ? oneHour : 0,
  };
}

/** Rough tokens of a text when a provider reports none (about four characters a token for English). */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** Usage guessed from the texts, marked as estimated. */
export function estimateUsage(prompt: string, answer: string): PricedUsage & { estimated: true } {
  return { inputTokens: estimateTokens(prompt), outputTokens: estimateTokens(answer), estimated: true };
}

export function totalTokens(usage: PricedUsage): { tokensIn: number; tokensOut: number; cacheRead: number; cacheWrite: number } {
  return {
    tokensIn: usage.inputTokens,
    tokensOut: usage.outputTokens,
    cacheRead: usage.cacheReadTokens ?? 0,
    cacheWrite: (usage.cacheWrite5mTokens ?? 0) + (usage.cacheWrite1hTokens ?? 0),
  };
}

const modelUsageSchema = z.record(
  z.string(),
  z.looseObject({
    inputTokens: count,
    outputTokens: count,
    cacheReadInputTokens: count,
    cacheCreationInputTokens: count,
  }),
);

const claudeResultSchema = z.looseObject({
  total_cost_usd: z.number().min(0).optional().catch(undefined),
  usage: z.unknown().optional(),
  modelUsage: modelUsageSchema.optional().catch(undefined),
});

export interface BrainRunCost {
  /** Our own calculation from the reported usage. */
  costUsd: number;
  /** What the brain said it cost (Claude Code's total_cost_usd), when it said. */
  reportedCostUsd: number | null;
  /** reported / ours: 1 means we agree; kept to spot price drift. Null when either side is missing or 0. */
  ratio: number | null;
  usage: PricedUsage;
  /** Models seen in the run (Claude Code may use a small model for side work). */
  models: string[];
}

function add(a: PricedUsage, b: PricedUsage): PricedUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: (a.cacheReadTokens ?? 0) + (b.cacheReadTokens ?? 0),
    cacheWrite5mTokens: (a.cacheWrite5mTokens ?? 0) + (b.cacheWrite5mTokens ?? 0),
    cacheWrite1hTokens: (a.cacheWrite1hTokens ?? 0) + (b.cacheWrite1hTokens ?? 0),
  };
}

export function compareReported(ours: number, reported: number | null | undefined): number | null {
  if (reported === null || reported === undefined || ours <= 0 || reported <= 0) return null;
  return reported / ours;
}

/**
 * Cost of a Claude Code run from its final `result` line: each model of `modelUsage` at its own prices
 * (1-hour cache writes in the share the top-level usage shows), else the top-level usage on `model`.
 * Throws PRICE_UNKNOWN like the price book when a model has no price.
 */
export function costClaudeCodeResult(result: unknown, priceBook: PriceBook, model: string, provider = 'claude-code'): BrainRunCost {
  const parsed = claudeResultSchema.parse(result ?? {});
  const overall = fromAnthropicUsage(parsed.usage);
  const entries = Object.entries(parsed.modelUsage ?? {});
  let costUsd = 0;
  let usage: PricedUsage = { inputTokens: 0, outputTokens: 0 };
  if (entries.length <= 1) {
    costUsd = priceBook.costUsd(provider, entries[0]?.[0] ?? model, overall);
    usage = overall;
  } else {
    const written = (overall.cacheWrite5mTokens ?? 0) + (overall.cacheWrite1hTokens ?? 0);
    const oneHourShare = written > 0 ? (overall.cacheWrite1hTokens ?? 0) / written : 0;
    for (const [name, part] of entries) {
      const writes = part.cacheCreationInputTokens ?? 0;
      const priced: PricedUsage = {
        inputTokens: part.inputTokens ?? 0,
        outputTokens: part.outputTokens ?? 0,
        cacheReadTokens: part.cacheReadInputTokens ?? 0,
        cacheWrite5mTokens: writes * (1 - oneHourShare),
        cacheWrite1hTokens: writes * oneHourShare,
      };
      costUsd += priceBook.costUsd(provider, name, priced);
      usage = add(usage, priced);
    }
  }
  const reported = parsed.total_cost_usd ?? null;
  return {
    costUsd,
    reportedCostUsd: reported,
    ratio: compareReported(costUsd, reported),
    usage,
    models: entries.length ? entries.map(([name]) => name) : [model],
  };
}

/** The ledger row of a finished brain run, with the reported cost and our ratio kept side by side. */
export function brainRunLedgerEntry(options: {
  taskId: number | null;
  brain: string;
  model: string;
  cost: BrainRunCost;
  latencyMs: number;
  purpose: string;
  createdAt: number;
}): LedgerEntry {
  const tokens = totalTokens(options.cost.usage);
  return {
    taskId: options.taskId,
    kind: 'brain',
    provider: options.brain,
    model: options.cost.models.length === 1 ? (options.cost.models[0] ?? options.model) : options.model,
    tokensIn: tokens.tokensIn,
    tokensOut: tokens.tokensOut,
    cacheReadTokens: tokens.cacheRead,
    cacheWriteTokens: tokens.cacheWrite,
    costUsd: options.cost.costUsd,
    reportedCostUsd: options.cost.reportedCostUsd,
    latencyMs: options.latencyMs,
    purpose: options.purpose,
    data: { costRatio: options.cost.ratio, models: options.cost.models },
    createdAt: options.createdAt,
  };
}

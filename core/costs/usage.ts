import { z } from 'zod';
import type { PricedUsage } from '../contracts/spend.js';

const count = z.number().min(0).catch(0).optional();

/** Anthropic's usage block (the Messages API), leniently: missing or malformed numbers are 0. */
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

/**
 * Anthropic usage to priced usage. `input_tokens` excludes cache reads and writes, each priced at its own
 * rate once. Cache writes without a 5m/1h breakdown are 5-minute writes (Anthropic's default).
 */
export function fromAnthropicUsage(raw: unknown): Required<PricedUsage> {
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

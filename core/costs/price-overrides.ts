import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config.js';

const perMillion = z.number().min(0);

const overrideSchema = z.strictObject({
  id: z.string().min(1),
  /** Required for a model the catalog does not know. */
  provider: z.string().min(1).optional(),
  name: z.string().optional(),
  aliases: z.array(z.string().min(1)).optional(),
  input: perMillion.optional(),
  output: perMillion.optional(),
  cacheRead: perMillion.nullable().optional(),
  cacheWrite5m: perMillion.nullable().optional(),
  cacheWrite1h: perMillion.nullable().optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutput: z.number().int().min(0).optional(),
  capabilities: z
    .array(z.enum(['text', 'vision', 'tools', 'json', 'reasoning', 'caching', 'code', 'embedding', 'long-context']))
    .optional(),
  quality: z.number().min(0).max(10).optional(),
});

const fileSchema = z.strictObject({
  /** The day these prices were read from the vendor (YYYY-MM-DD); else the file's modification date. */
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  models: z.array(overrideSchema),
});

export type PriceOverride = z.infer<typeof overrideSchema>;

export interface PriceOverrides {
  file: string;
  asOf: string;
  models: PriceOverride[];
}

/**
 * Read the operator's price overrides (config costs.pricesFile), YAML or JSON:
 * `{asOf?, models: [{id, provider?, input?, output?, cacheRead?, cacheWrite5m?, cacheWrite1h?, ...}]}`,
 * prices in dollars per million tokens. Problems are ConfigErrors, one line each.
 */
export function loadPriceOverrides(file: string): PriceOverrides {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new ConfigError([`${file}: cannot read the price overrides: ${reason}`]);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${file}: ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`),
    );
  }
  return {
    file,
    asOf: parsed.data.asOf ?? new Date(statSync(file).mtimeMs).toISOString().slice(0, 10),
    models: parsed.data.models,
  };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssue } from '../config.js';
import { RULE_SURFACES } from '../contracts/rule-gate.js';
import { compilePattern, PatternError, type Rule, type RulePack } from './rule.js';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected letters, digits, "-", "_" or "." (at most 63)');

const ruleSchema = z.strictObject({
  id,
  /** error: the text is refused with the message; warning: it passes, and the message is added as a note. */
  severity: z.enum(['error', 'warning']),
  /** An RE2 pattern. */
  pattern: z.string().min(1),
  message: z.string().trim().min(1).max(300),
  /** Where the rule applies; everywhere by default. */
  applies: z
    .array(z.enum(RULE_SURFACES))
    .min(1)
    .default([...RULE_SURFACES]),
  ignoreCase: z.boolean().default(false),
});

const packSchema = z.strictObject({
  id,
  description: z.string().optional(),
  rules: z.array(ruleSchema).min(1),
});

/** A user pack as written in its YAML file. */
export type UserPackFile = z.input<typeof packSchema>;

/** One pack from its YAML text; every problem is one line naming the file and the key. */
export function parseUserPack(text: string, file: string): RulePack {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError([`${file}: not valid YAML: ${reason}`]);
  }
  const parsed = packSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${file}: ${describeIssue(issue, raw)}`));
  const problems: string[] = [];
  const rules: Rule[] = [];
  const seen = new Set<string>();
  parsed.data.rules.forEach((rule, index) => {
    if (seen.has(rule.id)) problems.push(`${file}: rules.${index}.id: "${rule.id}" is used twice in this pack`);
    seen.add(rule.id);
    try {
      const find = compilePattern(rule.pattern, { ignoreCase: rule.ignoreCase });
      rules.push({ id: rule.id, severity: rule.severity, surfaces: rule.applies, message: rule.message, find });
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      problems.push(`${file}: rules.${index}.pattern: ${error.message}`);
    }
  });
  if (problems.length) throw new ConfigError(problems);
  return { id: parsed.data.id, source: file, rules };
}

/**
 * Every `*.yaml` / `*.yml` in `dir`, in name order (none when the folder does not exist). A broken file stops
 * start-up like a broken config: a pack that silently went missing would let through what it was written to stop.
 */
export function loadUserPacks(dir: string): RulePack[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/i.test(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError([`${dir}: the rule pack folder cannot be read (${(error as Error).message})`]);
  }
  const packs: RulePack[] = [];
  const problems: string[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      packs.push(parseUserPack(readFileSync(file, 'utf8'), file));
    } catch (error) {
      if (error instanceof ConfigError) problems.push(...error.problems);
      else problems.push(`${file}: cannot be read (${(error as Error).message})`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return packs;
}

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './config-schema.js';
import { PieBrainError } from './errors.js';

export type { Config } from './config-schema.js';

export interface Paths {
  /** Data dir: database, logs, runs, vectors. */
  home: string;
  /** The user's brain: profile/user_prefs.md, inbox/. */
  brainDir: string;
}

export interface LoadedConfig {
  config: Config;
  paths: Paths;
  /** Which file was read, or null for embedded defaults. */
  source: string | null;
  /** Things worth telling the operator that do not stop start-up (unknown keys). */
  warnings: string[];
}

export type Env = Record<string, string | undefined>;

/** A config file that cannot be used; `problems` holds one readable line each. */
export class ConfigError extends PieBrainError {
  constructor(
    readonly problems: string[],
    code: 'CONFIG_INVALID' | 'CONFIG_NOT_FOUND' = 'CONFIG_INVALID',
  ) {
    super(code, problems.join('\n'));
  }
}

export function resolvePaths(env: Env): Paths {
  return {
    home: resolve(env.PIE_BRAIN_HOME || join(homedir(), '.pie-brain')),
    brainDir: resolve(env.PIE_BRAIN_BRAIN_DIR || join(homedir(), 'brain')),
  };
}

/** --config, then PIE_BRAIN_CONFIG, then $PIE_BRAIN_HOME/config.yaml if present, else none. */
export function findConfigFile(cliPath: string | undefined, env: Env, paths: Paths): string | null {
  const named = cliPath ?? env.PIE_BRAIN_CONFIG;
  if (named) {
    if (!existsSync(named)) throw new ConfigError([`config file not found: ${named}`], 'CONFIG_NOT_FOUND');
    return resolve(named);
  }
  const inHome = join(paths.home, 'config.yaml');
  return existsSync(inHome) ? inHome : null;
}

const list = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** Environment variables that override config keys (the README's table). */
const ENV_OVERRIDES: Array<[string, string[], (value: string) => unknown]> = [
  ['TELEGRAM_API_ROOT', ['telegram', 'apiRoot'], String],
  ['DISCORD_API_URL', ['discord', 'apiUrl'], String],
  ['SLACK_API_URL', ['slack', 'apiUrl'], String],
  ['TELEGRAM_ALLOWED_USERS', ['access', 'allowedUsers', 'telegram'], list],
  ['DISCORD_ALLOWED_USERS', ['access', 'allowedUsers', 'discord'], list],
  ['SLACK_ALLOWED_USERS', ['access', 'allowedUsers', 'slack'], list],
  ['PIE_BRAIN_ADMINS', ['access', 'admins'], list],
  ['OLLAMA_HOST', ['ollama', 'host'], String],
  ['ANTHROPIC_BASE_URL', ['anthropic', 'baseUrl'], String],
  ['ARXIV_API_URL', ['arxiv', 'apiUrl'], String],
  ['DEFAULT_CLOUD_BRAIN', ['brains', 'default'], String],
  ['PIE_BRAIN_HTTP_PORT', ['http', 'port'], Number],
];

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}`;
}

/** One zod issue as a line: the key path, what was expected, what was found. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String).join('.') || '(top level)';
  const found = describeValue(valueAt(raw, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return `${path}: expected ${issue.expected}, found ${found}`;
    case 'invalid_value':
      return `${path}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${found}`;
    case 'unrecognized_keys':
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
      return `${path}: ${issue.message.toLowerCase()}, found ${found}`;
    default:
      return `${path}: ${issue.message}, found ${found}`;
  }
}

type AnySchema = z.core.$ZodType;

/** The object shape under any default/optional wrappers, or undefined for non-objects. */
function objectShape(schema: AnySchema): Record<string, AnySchema> | undefined {
  let current: AnySchema | undefined = schema;
  for (let depth = 0; current && depth < 10; depth += 1) {
    const def = current._zod.def as { type: string; shape?: Record<string, AnySchema>; innerType?: AnySchema };
    if (def.type === 'object') return def.shape;
    current = def.innerType;
  }
  return undefined;
}

/** Keys in the file that no setting has: warned about, never fatal (a newer config on an older pie-brain). */
function findUnknownKeys(raw: unknown, schema: AnySchema, prefix: string[] = []): string[] {
  const shape = objectShape(schema);
  if (!shape || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const child = shape[key];
    if (!child) unknown.push([...prefix, key].join('.'));
    else unknown.push(...findUnknownKeys(value, child, [...prefix, key]));
  }
  return unknown;
}

/** Validate a raw config object (already merged with env overrides). */
export function parseConfig(raw: unknown, sourceName = 'config'): { config: Config; warnings: string[] } {
  const input = raw ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError([`${sourceName}: (top level): expected a map of settings, found ${describeValue(input)}`]);
  }
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${sourceName}: ${describeIssue(issue, input)}`));
  }
  const warnings = findUnknownKeys(input, configSchema).map((key) => `${sourceName}: unknown key ${key} (ignored)`);
  return { config: result.data, warnings };
}

export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const merged = structuredClone(raw);
  for (const [name, path, convert] of ENV_OVERRIDES) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(merged, path, convert(value));
  }
  return merged;
}

/** Load the configuration: --config PATH, else $PIE_BRAIN_CONFIG, else $PIE_BRAIN_HOME/config.yaml, else the defaults. Throws ConfigError. */
export function loadConfig(options: { cliPath?: string | undefined; env?: Env } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const paths = resolvePaths(env);
  const source = findConfigFile(options.cliPath, env, paths);
  let raw: unknown = {};
  if (source) {
    try {
      raw = parseYaml(readFileSync(source, 'utf8')) ?? {};
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new ConfigError([`${source}: not valid YAML: ${reason}`]);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ConfigError([`${source}: (top level): expected a map of settings, found ${describeValue(raw)}`]);
    }
  }
  const merged = applyEnvOverrides(raw as Record<string, unknown>, env);
  const { config, warnings } = parseConfig(merged, source ?? 'config');
  return { config, paths, source, warnings };
}

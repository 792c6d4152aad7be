import type { Env } from '../config.js';

/**
 * What every child of pie-brain may see of its environment: where programs and home are, the locale, the
 * time zone, temp and XDG folders, certificates and proxies. Nothing else passes unless named: a coding agent
 * runs arbitrary commands, and pie-brain's tokens (Telegram, Discord, Slack, the Anthropic key) are not its
 * business.
 */
const ALLOWED = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
]);

/** Never passed, even when named: a typo in `brains.passEnv` must not hand a child a platform token. */
const NEVER = /^(TELEGRAM|DISCORD|SLACK)_/;

export interface ChildEnvOptions {
  /** More names to pass through from `base` (config `brains.passEnv`). */
  pass?: readonly string[];
  /** What the child needs besides: the one brain that uses a key gets it here. */
  add?: Record<string, string>;
}

/** The environment of a child: the allowlist (plus `pass`) taken from `base`, then `add`. */
export function childEnv(base: Env, options: ChildEnvOptions = {}): Record<string, string> {
  const pass = new Set(options.pass ?? []);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || NEVER.test(name)) continue;
    if (ALLOWED.has(name) || name.startsWith('LC_') || pass.has(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(options.add ?? {})) {
    if (!NEVER.test(name)) env[name] = value;
  }
  return env;
}

/** The values of `base` whose names match: a brain picks its own settings and keys this way. */
export function pickEnv(base: Env, match: (name: string) => boolean): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined && match(name) && !NEVER.test(name)) picked[name] = value;
  return picked;
}

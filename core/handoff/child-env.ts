import type { Env } from '../config.js';
import { allowedEnv, BASE_CHILD_ENV } from '../lib/allowed-env.js';

/**
 * What a cloud brain may see of pie-brain's environment: what every child gets (where programs and home are,
 * the locale, the time zone), plus temp and XDG folders, a shell and a terminal, certificates and proxies.
 * Nothing else passes unless named: a coding agent runs arbitrary commands, and pie-brain's tokens
 * (Telegram, Discord, Slack, the Anthropic key) are not its business.
 */
const BRAIN_ENV: readonly string[] = [
  ...BASE_CHILD_ENV,
  'SHELL',
  'TERM',
  'TMPDIR',
  'XDG_*',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** Never handed over, even when named or added: a typo in `brains.passEnv` must not give a child a platform token. */
const NEVER = /^(TELEGRAM|DISCORD|SLACK)_/;

export interface ChildEnvOptions {
  /** More names to pass through from `base` (config `brains.passEnv`). */
  pass?: readonly string[];
  /** What the child needs besides: the one brain that uses a key gets it here. */
  add?: Record<string, string>;
}

/** The environment of a brain's child: the allowlist (plus `pass`) taken from `base`, then `add` (the brain's own key). */
export function childEnv(base: Env, options: ChildEnvOptions = {}): Record<string, string> {
  const add = Object.fromEntries(Object.entries(options.add ?? {}).filter(([name]) => !NEVER.test(name)));
  return allowedEnv(base, [...BRAIN_ENV, ...(options.pass ?? [])], add);
}

/** The values of `base` whose names match: a brain picks its own settings and keys this way. */
export function pickEnv(base: Env, match: (name: string) => boolean): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined && match(name) && !NEVER.test(name)) picked[name] = value;
  return picked;
}

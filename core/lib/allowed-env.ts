/** What any child needs to find programs, a home and a language; `LC_*` stands for every locale variable. */
export const BASE_CHILD_ENV: readonly string[] = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'LC_*', 'TZ'];

// pie-brain's own credentials: no allowlist may name them, whatever a caller passes.
const NEVER_PASSED = /^(TELEGRAM_|DISCORD_|SLACK_|ANTHROPIC_)/;

function allows(names: readonly string[], name: string): boolean {
  return names.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name));
}

/**
 * The environment of a child: only the variables `names` lists (exact, or a prefix ending in `*`) taken from
 * `source`, then `extra` on top. Platform and model credentials never pass through `names`, even when listed:
 * a caller that means to hand one over says so in `extra`.
 */
export function allowedEnv(
  source: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && allows(names, name) && !NEVER_PASSED.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

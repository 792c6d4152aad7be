import type { Env } from '../config.js';

/** pie-brain's own credentials: a coding agent runs arbitrary commands, so it never inherits them. */
const WITHHELD = new Set([
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'DISCORD_BOT_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'ANTHROPIC_API_KEY',
]);

/** The environment of a brain's child: the parent's minus pie-brain's secrets, plus what the brain asks for. */
export function childEnv(base: Env, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !WITHHELD.has(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

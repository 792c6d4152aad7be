import type { RuleSurface } from '../contracts/rule-gate.js';
import { findLiterals, findPattern, type Rule, type RulePack } from './rule.js';

export const SECRETS_PACK = 'secrets';

// Secrets are removed from what leaves for a chat and from prompts that leave for a cloud brain.
const SURFACES: readonly RuleSurface[] = ['output', 'brain'];

function shape(id: string, message: string, pattern: RegExp, group = 0): Rule {
  return { id, severity: 'redact', surfaces: SURFACES, message, find: findPattern(pattern, group) };
}

/**
 * Well-known token shapes. Each is redacted wherever it appears, configured or not: a model that read a key
 * from a file, or a tool's error that quotes a URL with a bot token in it, gives nothing away.
 */
export const TOKEN_SHAPES: readonly Rule[] = [
  // Also right after "bot" in a Bot API URL, where a word boundary would not be.
  shape('telegram-bot-token', 'Telegram bot token', /(?<![0-9])[0-9]{8,10}:[A-Za-z0-9_-]{35}/),
  shape('anthropic-key', 'Anthropic API key', /sk-ant-[A-Za-z0-9_-]{8,}/),
  shape('github-token', 'GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/),
  shape('slack-token', 'Slack token', /\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]{10,}/),
  shape('discord-bot-token', 'Discord bot token', /\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}/),
  shape('aws-access-key-id', 'AWS access key id', /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/),
  // A secret access key is 40 characters of base64: only recognisable next to its name, and only the value goes.
  shape(
    'aws-secret-access-key',
    'AWS secret access key',
    /aws_?secret_?access_?key["']?[ \t]{0,10}[:=][ \t]{0,10}["']?([A-Za-z0-9/+=]{40})/i,
    1,
  ),
  // A key cut short (no END line) is redacted to the end of the text: the rest of it is key too.
  shape(
    'private-key',
    'private key',
    /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)/,
  ),
];

/** The built-in `secrets` pack: every configured secret value, then every well-known token shape. */
export function secretsPack(values: readonly string[]): RulePack {
  const configured: Rule = {
    id: 'configured-secret',
    severity: 'redact',
    surfaces: SURFACES,
    message: 'configured secret',
    find: findLiterals(values),
  };
  return { id: SECRETS_PACK, source: 'built-in', rules: [configured, ...TOKEN_SHAPES] };
}

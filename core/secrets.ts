import { readFileSync } from 'node:fs';
import type { Config, Env } from './config.js';
import { ConfigError } from './config.js';

/** Credentials: only ever from the environment or from files that config.yaml names. */
export interface Secrets {
  telegramToken?: string;
  telegramWebhookSecret?: string;
  discordToken?: string;
  slackBotToken?: string;
  slackAppToken?: string;
  slackSigningSecret?: string;
  anthropicApiKey?: string;
}

const SOURCES: Array<[keyof Secrets, string, (config: Config) => string | null]> = [
  ['telegramToken', 'TELEGRAM_BOT_TOKEN', (c) => c.telegram.tokenFile],
  ['telegramWebhookSecret', 'TELEGRAM_WEBHOOK_SECRET', (c) => c.telegram.webhookSecretFile],
  ['discordToken', 'DISCORD_BOT_TOKEN', (c) => c.discord.tokenFile],
  ['slackBotToken', 'SLACK_BOT_TOKEN', (c) => c.slack.botTokenFile],
  ['slackAppToken', 'SLACK_APP_TOKEN', (c) => c.slack.appTokenFile],
  ['slackSigningSecret', 'SLACK_SIGNING_SECRET', (c) => c.slack.signingSecretFile],
  ['anthropicApiKey', 'ANTHROPIC_API_KEY', (c) => c.anthropic.apiKeyFile],
];

export function loadSecrets(config: Config, env: Env): Secrets {
  const secrets: Secrets = {};
  const problems: string[] = [];
  for (const [key, envName, fileOf] of SOURCES) {
    const fromEnv = env[envName]?.trim();
    if (fromEnv) {
      secrets[key] = fromEnv;
      continue;
    }
    const file = fileOf(config);
    if (!file) continue;
    try {
      const value = readFileSync(file, 'utf8').trim();
      if (value) secrets[key] = value;
    } catch {
      problems.push(`secret file for ${envName} cannot be read: ${file}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return secrets;
}

/** Every secret value, for the log redactor. */
export function secretValues(secrets: Secrets): string[] {
  return Object.values(secrets).filter((value): value is string => typeof value === 'string' && value.length >= 4);
}

/** The files config names as holding secrets (`telegram.tokenFile`, ...): code must not read them. */
export function secretFiles(config: Config): string[] {
  return SOURCES.map(([, , fileOf]) => fileOf(config)).filter((file): file is string => typeof file === 'string' && file.length > 0);
}

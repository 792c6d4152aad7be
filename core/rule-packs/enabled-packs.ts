import { join } from 'node:path';
import type { Config, Paths } from '../config.js';
import { ConfigError } from '../config.js';
import { COMMANDS_PACK, commandsPack } from './commands-pack.js';
import type { RulePack } from './rule.js';
import { SECRETS_PACK, secretsPack } from './secrets-pack.js';
import { loadUserPacks } from './user-packs.js';

export interface EnabledPacksOptions {
  config: Pick<Config, 'rules'>;
  paths: Pick<Paths, 'home'>;
  /** Every configured secret value (the secrets pack redacts them). */
  secrets: readonly string[];
  /** The files config names for secrets (the commands pack refuses code that names them). */
  secretFiles: readonly string[];
}

/** Where user packs live: config `rules.dir`, else `$PIE_BRAIN_HOME/rule-packs`. */
export function rulePacksDir(config: Pick<Config, 'rules'>, paths: Pick<Paths, 'home'>): string {
  return config.rules.dir ?? join(paths.home, 'rule-packs');
}

/**
 * The packs in force: the built-in `secrets` and `commands`, then the user packs of the data dir, less those
 * `rules.disabled` names. Throws ConfigError for a broken user pack or two packs with one id; `warnings` says
 * which protections are off.
 */
export function enabledPacks(options: EnabledPacksOptions): { packs: RulePack[]; warnings: string[] } {
  const { config, paths } = options;
  const all = [secretsPack(options.secrets), commandsPack(options.secretFiles), ...loadUserPacks(rulePacksDir(config, paths))];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const pack of all) {
    const earlier = seen.get(pack.id);
    if (earlier) problems.push(`${pack.source}: the pack id "${pack.id}" is taken (${earlier})`);
    seen.set(pack.id, pack.source);
  }
  if (problems.length) throw new ConfigError(problems);
  const disabled = new Set(config.rules.disabled);
  const warnings: string[] = [];
  for (const id of disabled) {
    if (!seen.has(id)) warnings.push(`rules.disabled: no rule pack is called "${id}" (ignored)`);
    else if (id === SECRETS_PACK) warnings.push('rules.disabled: the secrets pack is off, so replies are not scrubbed of tokens and keys');
    else if (id === COMMANDS_PACK)
      warnings.push('rules.disabled: the commands pack is off, so /run and cloud-brain prompts are not checked');
  }
  return { packs: all.filter((pack) => !disabled.has(pack.id)), warnings };
}

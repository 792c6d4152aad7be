import { BASE_CHILD_ENV } from '../../core/lib/allowed-env.js';

/**
 * What git may inherit: the base set, the SSH agent, the commit identity, proxies and certificates. Nothing
 * else: a repository's config or a hook can run programs, and they see whatever git sees.
 */
export const GIT_ENV: readonly string[] = [
  ...BASE_CHILD_ENV,
  'SSH_AUTH_SOCK',
  'GNUPGHOME',
  'XDG_CONFIG_HOME',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/** The GitHub CLI gets git's set plus its own token and host, and nothing that names a program (GH_PAGER, GH_EDITOR, GH_BROWSER). */
export const GH_ENV: readonly string[] = [
  ...GIT_ENV,
  'GH_TOKEN',
  'GITHUB_TOKEN',
  'GH_ENTERPRISE_TOKEN',
  'GITHUB_ENTERPRISE_TOKEN',
  'GH_HOST',
  'GH_CONFIG_DIR',
];

/** Settings of every git command pie-brain runs: no file-system monitor, no hooks, whatever the repository says. */
export const GIT_OVERRIDES: ReadonlyArray<readonly [key: string, value: string]> = [
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
];

/** The overrides as environment (git 2.31 and later), for the git commands gh runs on its own. */
export function gitOverridesEnv(): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(GIT_OVERRIDES.length) };
  GIT_OVERRIDES.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

// Keys (as `git config --list` prints them: section and name in lower case) under which a repository's own
// config makes pie-brain's pull, add, commit or push run a program, or send the work somewhere else.
const UNSAFE_REPO_KEYS: ReadonlyArray<readonly [pattern: RegExp, what: string]> = [
  [/^filter\..+\.(clean|smudge|process)$/, 'a filter program'],
  [/^merge\..+\.driver$/, 'a merge driver'],
  [/^diff\.(external|.+\.(command|textconv))$/, 'a diff program'],
  [/^core\.(sshcommand|gitproxy|askpass|alternaterefscommand)$/, 'a program for the transport'],
  [/^credential\.(.+\.)?helper$/, 'a credential helper'],
  [/^remote\..+\.(uploadpack|receivepack)$/, 'a program for the remote side'],
  [/^protocol\.(.+\.)?allow$/, 'transports git keeps off by default'],
  [/^url\..+\.(pushinsteadof|insteadof)$/, 'another address for the remote'],
  [/^gpg\.(.+\.)?program$/, 'a signing program'],
  [/^core\.worktree$/, 'a work tree in another folder'],
];

export interface UnsafeRepoSetting {
  key: string;
  what: string;
}

/**
 * The settings of a repository's own config (scopes `local` and `worktree`, includes followed) that would make
 * pie-brain's git run a program or go elsewhere. `listing` is `git config --list --show-scope --includes
 * --name-only -z`. The owner's global and system config are theirs to trust and are not looked at.
 */
export function unsafeRepoSettings(listing: string): UnsafeRepoSetting[] {
  const fields = listing.split('\0');
  const found: UnsafeRepoSetting[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const scope = fields[index];
    const key = fields[index + 1] ?? '';
    if (scope !== 'local' && scope !== 'worktree') continue;
    const match = UNSAFE_REPO_KEYS.find(([pattern]) => pattern.test(key.toLowerCase()));
    if (match && !found.some((setting) => setting.key === key)) found.push({ key, what: match[1] });
  }
  return found;
}

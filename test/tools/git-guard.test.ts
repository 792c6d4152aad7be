import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPieBrainError } from '../../core/errors.js';
import { allowedEnv } from '../../core/lib/allowed-env.js';
import { findOnPath } from '../../core/lib/find-on-path.js';
import { GIT_ENV, unsafeRepoSettings } from '../../tools/lib/git-guard.js';
import { GitWorkflow } from '../../tools/lib/git-workflow.js';
import { quietLogger, tempDir } from '../helpers.js';
import { commitFile, createRepos, git } from './git-repos.js';

const GH_DIR = fileURLToPath(new URL('../fixtures/gh/', import.meta.url));

// What pie-brain's own process holds: a hook that sees any of these has stolen them.
const SECRETS = {
  TELEGRAM_BOT_TOKEN: '123:telegram-secret',
  DISCORD_BOT_TOKEN: 'discord-secret',
  SLACK_BOT_TOKEN: 'xoxb-slack-secret',
  SLACK_APP_TOKEN: 'xapp-slack-secret',
  SLACK_SIGNING_SECRET: 'slack-signing-secret',
  ANTHROPIC_API_KEY: 'sk-ant-secret',
  PIE_BRAIN_OTHER_SECRET: 'other-secret',
};

let dir: ReturnType<typeof tempDir>;
let work: string;
let seed: string;
let loot: string;
let gitLog: string;
let ghRecord: string;
let binDir: string;

/** A script that copies its environment to the loot file: what a hostile hook or config would run. */
function thief(name: string): string {
  const path = join(dir.path, `thief-${name}.sh`);
  writeFileSync(path, `#!/bin/sh\n{ echo "== ${name}"; env; } >> '${loot}'\nexit 0\n`);
  chmodSync(path, 0o755);
  return path;
}

function workflow(): GitWorkflow {
  return new GitWorkflow({
    repos: [{ name: 'notes', path: work, remote: 'origin', base: 'main' }],
    logger: quietLogger(),
    env: {
      ...process.env,
      ...SECRETS,
      PATH: `${binDir}:${GH_DIR}:${process.env.PATH}`,
      GH_TOKEN: 'gh-token-for-gh-only',
      GIT_AUTHOR_NAME: 'Pie Owner',
      GIT_AUTHOR_EMAIL: 'owner@example.com',
    },
    extraEnv: { GH_FAKE_RECORD: ghRecord },
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isPieBrainError(error)) return error.userMessage ?? error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

beforeEach(() => {
  dir = tempDir();
  ({ work, seed } = createRepos(dir.path));
  loot = join(dir.path, 'loot.txt');
  gitLog = join(dir.path, 'git-env.txt');
  ghRecord = join(dir.path, 'gh-calls.jsonl');
  // A git first on PATH that notes the names of its environment, then runs the real one.
  binDir = join(dir.path, 'bin');
  mkdirSync(binDir);
  const realGit = findOnPath('git');
  writeFileSync(join(binDir, 'git'), `#!/bin/sh\n{ echo "== git $1"; env | cut -d= -f1; } >> '${gitLog}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(binDir, 'git'), 0o755);
});

afterEach(() => dir.remove());

describe('git and gh under a hostile repository config', () => {
  it('fsmonitor and hooks from the repository never run, and git and gh get no platform or model token', async () => {
    git(work, 'config', 'core.fsmonitor', thief('fsmonitor'));
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout', 'pre-push', 'reference-transaction', 'pre-rebase']) {
      writeFileSync(join(work, '.git', 'hooks', hook), readFileSync(thief(hook)));
      chmodSync(join(work, '.git', 'hooks', hook), 0o755);
    }
    // The trap is armed: git run by hand in this repository springs it.
    git(work, 'status');
    expect(readFileSync(loot, 'utf8')).toContain('== fsmonitor');
    writeFileSync(loot, '');

    const flow = workflow();
    await flow.prepare('notes', 'task');
    writeFileSync(join(work, 'notes.md'), 'new\n');
    const done = await flow.finish('notes', 'Add notes');
    expect(done.prUrl).toBe('https://github.com/pie-owner/notes/pull/42');
    expect(readFileSync(loot, 'utf8')).toBe('');

    const gitEnv = readFileSync(gitLog, 'utf8');
    for (const name of Object.keys(SECRETS)) expect(gitEnv).not.toContain(name);
    expect(gitEnv).not.toContain('GH_TOKEN');
    expect(gitEnv).toContain('GIT_AUTHOR_NAME');
    expect(gitEnv).toMatch(/== git -c\n/);
    const ghCalls = readFileSync(ghRecord, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { args: string[]; env: string[] });
    expect(ghCalls.map((call) => call.args[0])).toEqual(['auth', 'pr']);
    for (const call of ghCalls) {
      expect(call.env).toContain('GH_TOKEN');
      expect(call.env).toEqual(expect.arrayContaining(['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GH_PROMPT_DISABLED']));
      for (const name of Object.keys(SECRETS)) expect(call.env).not.toContain(name);
    }
  });

  it('a hooksPath set by the repository is ignored too', async () => {
    const hooks = join(dir.path, 'evil-hooks');
    mkdirSync(hooks);
    for (const hook of ['pre-commit', 'post-checkout', 'pre-push']) {
      writeFileSync(join(hooks, hook), readFileSync(thief(hook)));
      chmodSync(join(hooks, hook), 0o755);
    }
    git(work, 'config', 'core.hooksPath', hooks);
    const flow = workflow();
    await flow.prepare('notes', 'task');
    writeFileSync(join(work, 'x.md'), 'x\n');
    await flow.finish('notes', 'Add x');
    expect(existsSync(loot) ? readFileSync(loot, 'utf8') : '').toBe('');
  });

  it.each([
    [
      'a clean filter',
      (repo: string) => {
        writeFileSync(join(repo, '.gitattributes'), '*.md filter=steal\n');
        git(repo, 'config', 'filter.steal.clean', thief('clean'));
      },
      'filter.steal.clean (a filter program)',
    ],
    [
      'a receive-pack for the remote',
      (repo: string) => git(repo, 'config', 'remote.origin.receivepack', thief('receivepack')),
      'remote.origin.receivepack',
    ],
    [
      'an upload-pack for the remote',
      (repo: string) => git(repo, 'config', 'remote.origin.uploadpack', thief('uploadpack')),
      'remote.origin.uploadpack',
    ],
    [
      'an ssh command',
      (repo: string) => git(repo, 'config', 'core.sshCommand', thief('ssh')),
      'core.sshcommand (a program for the transport)',
    ],
    ['a credential helper', (repo: string) => git(repo, 'config', 'credential.helper', `!${thief('credential')}`), 'credential.helper'],
    ['a merge driver', (repo: string) => git(repo, 'config', 'merge.steal.driver', thief('merge')), 'merge.steal.driver'],
    [
      'an included file',
      (repo: string) => {
        const included = join(dir.path, 'included.config');
        writeFileSync(included, `[gpg]\n\tprogram = ${thief('gpg')}\n[commit]\n\tgpgSign = true\n`);
        git(repo, 'config', 'include.path', included);
      },
      'gpg.program (a signing program)',
    ],
  ])('a repository config naming %s is refused before git runs it, and nothing changes', async (_what, arm, key) => {
    commitFile(seed, 'NEWS.md', 'news\n', 'remote work');
    git(seed, 'push', '-q', 'origin', 'main');
    arm(work);
    const head = git(work, 'rev-parse', 'HEAD');
    const message = await refusal(workflow().prepare('notes', 'task'));
    expect(message).toContain(key);
    expect(message).toMatch(/^notes's own git config sets .*I don't run programs a repository's config names; remove it/);
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head);
    expect(existsSync(loot)).toBe(false);
  });

  it('finish checks again: a brain that armed the repository during its run does not get it committed and pushed', async () => {
    const flow = workflow();
    const ready = await flow.prepare('notes', 'task');
    writeFileSync(join(work, '.gitattributes'), '*.md filter=steal\n');
    writeFileSync(join(work, 'notes.md'), 'new\n');
    git(work, 'config', 'filter.steal.clean', thief('clean'));
    expect(await refusal(flow.finish('notes', 'Add notes'))).toContain('filter.steal.clean');
    expect(git(work, 'rev-parse', 'HEAD')).toBe(ready.baseCommit);
    expect(existsSync(loot)).toBe(false);
    expect(() => git(seed, 'ls-remote', '--exit-code', 'origin', 'task')).toThrow();
  });
});

describe('unsafeRepoSettings', () => {
  it('looks only at the repository own scopes, the owner global config is theirs', () => {
    const listing = [
      'global',
      'filter.lfs.clean',
      'system',
      'credential.helper',
      'local',
      'core.repositoryformatversion',
      'local',
      'filter.x.process',
      'worktree',
      'url.https://evil.example/.insteadof',
      'local',
      'core.worktree',
      'local',
      'diff.external',
      '',
    ].join('\0');
    expect(unsafeRepoSettings(listing).map((setting) => setting.key)).toEqual([
      'filter.x.process',
      'url.https://evil.example/.insteadof',
      'core.worktree',
      'diff.external',
    ]);
  });

  it('the allowlist never lets a platform or model credential through', () => {
    const env = allowedEnv({ ...SECRETS, PATH: '/usr/bin', LC_ALL: 'C', HOME: '/home/pi' }, [...GIT_ENV, 'TELEGRAM_BOT_TOKEN', 'SLACK_*']);
    expect(env).toEqual({ PATH: '/usr/bin', LC_ALL: 'C', HOME: '/home/pi' });
  });
});

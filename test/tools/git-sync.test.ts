import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPieBrainError } from '../../core/errors.js';
import { GitTool, GitWorkflow, parseGitArgs, sanitizeBranchName } from '../../tools/git-sync.js';
import { quietLogger, tempDir } from '../helpers.js';
import { toolContext } from './context.js';
import { commitFile, createRepos, git } from './git-repos.js';

const GH_DIR = fileURLToPath(new URL('../fixtures/gh/', import.meta.url));

let dir: ReturnType<typeof tempDir>;
let remote: string;
let seed: string;
let work: string;
let record: string;

/** Everything that "as it was" means: branch, HEAD, branches, status, and no rebase left behind. */
function snapshot(repo: string): Record<string, unknown> {
  return {
    branch: git(repo, 'rev-parse', '--abbrev-ref', 'HEAD'),
    head: git(repo, 'rev-parse', 'HEAD'),
    branches: git(repo, 'branch', '--format=%(refname:short)'),
    status: git(repo, 'status', '--porcelain'),
    readme: readFileSync(join(repo, 'README.md'), 'utf8'),
    rebasing: existsSync(join(repo, '.git', 'rebase-merge')) || existsSync(join(repo, '.git', 'rebase-apply')),
    stashes: git(repo, 'stash', 'list'),
  };
}

function workflow(mode: 'ok' | 'logged-out' | 'pr-fails' = 'ok', ghCommand?: string): GitWorkflow {
  return new GitWorkflow({
    repos: [{ name: 'notes', path: work, remote: 'origin', base: 'main' }],
    logger: quietLogger(),
    env: { ...process.env, PATH: `${GH_DIR}:${process.env.PATH}` },
    extraEnv: { GH_FAKE_RECORD: record, GH_FAKE_MODE: mode },
    ...(ghCommand ? { ghCommand } : {}),
  });
}

function ghCalls(): string[][] {
  if (!existsSync(record)) return [];
  return readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { args: string[] }).args);
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; userMessage: string }> {
  try {
    await promise;
  } catch (error) {
    if (isPieBrainError(error)) return { code: error.code, userMessage: error.userMessage ?? error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  dir = tempDir();
  record = join(dir.path, 'gh-calls.jsonl');
  ({ remote, seed, work } = createRepos(dir.path));
});

afterEach(() => dir.remove());

describe('GitWorkflow', () => {
  it('prepare pulls the base with rebase and checks out a sanitized branch', async () => {
    commitFile(seed, 'NEWS.md', 'from elsewhere\n', 'remote work');
    git(seed, 'push', '-q', 'origin', 'main');
    commitFile(work, 'local.md', 'mine\n', 'local unpushed work');
    const ready = await workflow().prepare('notes', 'Fix: the parser (again)!');
    expect(ready).toMatchObject({ repo: 'notes', branch: 'fix-the-parser-again', base: 'main', path: work });
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('fix-the-parser-again');
    expect(ready.baseCommit).toBe(git(work, 'rev-parse', 'HEAD'));
    // Rebased: the local commit sits on top of the remote one.
    expect(git(work, 'log', '--format=%s', '-3').split('\n')).toEqual(['local unpushed work', 'remote work', 'first']);
  });

  it('finish commits, pushes and opens a pull request through gh (argv, no shell)', async () => {
    const flow = workflow();
    await flow.prepare('notes', 'task/add notes');
    writeFileSync(join(work, 'notes.md'), 'new notes\n');
    const message = 'Add notes $(touch pwned) `touch pwned2`; rm -rf /tmp/x';
    const done = await flow.finish('notes', message, { body: 'Body with "quotes" && $HOME' });
    expect(done).toMatchObject({ repo: 'notes', branch: 'task/add-notes', prUrl: 'https://github.com/pie-owner/notes/pull/42' });
    expect(done.commit).toBe(git(work, 'rev-parse', 'HEAD'));
    expect(git(work, 'log', '-1', '--format=%s')).toBe(message);
    expect(git(remote, 'rev-parse', 'task/add-notes')).toBe(done.commit);
    expect(ghCalls()).toEqual([
      ['auth', 'status'],
      ['pr', 'create', '--base', 'main', '--head', 'task/add-notes', '--title', message, '--body', 'Body with "quotes" && $HOME'],
    ]);
    expect(existsSync(join(work, 'pwned'))).toBe(false);
    expect(existsSync(join(work, 'pwned2'))).toBe(false);
  });

  it('when gh is not logged in, the branch is pushed and the answer says what to do', async () => {
    const flow = workflow('logged-out');
    await flow.prepare('notes', 'task');
    writeFileSync(join(work, 'x.md'), 'x\n');
    const done = await flow.finish('notes', 'Add x');
    expect(done.prUrl).toBeUndefined();
    expect(done.prProblem).toBe(
      'The branch `task` is pushed to origin, but gh is not logged in, so I could not open the pull request. Run `gh auth login` on the Pi, or open it by hand.',
    );
    expect(git(remote, 'rev-parse', 'task')).toBe(done.commit);
    expect(ghCalls()).toEqual([['auth', 'status']]);
  });

  it('when gh is missing, or refuses, the answer says so', async () => {
    const missing = workflow('ok', join(dir.path, 'no-such-gh'));
    await missing.prepare('notes', 'one');
    writeFileSync(join(work, 'one.md'), '1\n');
    expect((await missing.finish('notes', 'One')).prProblem).toMatch(/the GitHub CLI \(gh\) is not installed/);
    git(work, 'checkout', '-q', 'main');
    const refusing = workflow('pr-fails');
    await refusing.prepare('notes', 'two');
    writeFileSync(join(work, 'two.md'), '2\n');
    expect((await refusing.finish('notes', 'Two')).prProblem).toBe(
      'The branch `two` is pushed to origin, but `gh pr create` failed: pull request create failed: GraphQL: No commits between main and task (createPullRequest)',
    );
  });

  it('a dirty tree stops before anything changes', async () => {
    writeFileSync(join(work, 'README.md'), 'edited but not committed\n');
    const before = snapshot(work);
    const error = await rejection(workflow().prepare('notes', 'task'));
    expect(error).toEqual({
      code: 'VALIDATION',
      userMessage: 'notes has uncommitted changes (README.md). I left it alone: commit or stash them first.',
    });
    expect(snapshot(work)).toEqual(before);
  });

  it('a rebase conflict is aborted and the repository is left as it was', async () => {
    commitFile(seed, 'README.md', 'remote version\n', 'remote edit');
    git(seed, 'push', '-q', 'origin', 'main');
    commitFile(work, 'README.md', 'local version\n', 'local edit');
    git(work, 'checkout', '-q', '-b', 'elsewhere');
    const before = snapshot(work);
    const error = await rejection(workflow().prepare('notes', 'task'));
    expect(error.code).toBe('TOOL_FAILED');
    expect(error.userMessage).toBe(
      'Pulling origin/main into notes conflicts with local commits (README.md). I aborted the rebase and left the repository as it was; resolve it by hand.',
    );
    expect(snapshot(work)).toEqual(before);
    expect(git(work, 'rev-parse', 'main')).toBe(git(work, 'rev-parse', 'elsewhere'));
  });

  it('only configured repositories, never the base branch, never an empty push', async () => {
    expect((await rejection(workflow().prepare('secrets', 'x'))).userMessage).toBe(
      'I only work in the repositories listed in config git.repos: notes. "secrets" is not one of them.',
    );
    expect((await rejection(workflow().finish('notes', 'on main'))).userMessage).toMatch(/is on `main`, not on a task branch/);
    await workflow().prepare('notes', 'empty');
    expect((await rejection(workflow().finish('notes', 'nothing'))).userMessage).toBe(
      '`empty` in notes has no changes beyond main: nothing to push.',
    );
    expect((await rejection(workflow().prepare('notes', 'empty'))).userMessage).toBe(
      'The branch `empty` already exists in notes; pick another name.',
    );
  });
});

describe('sanitizeBranchName', () => {
  it('keeps what git accepts and drops the rest', () => {
    expect(sanitizeBranchName('Fix: the parser (again)!')).toBe('fix-the-parser-again');
    expect(sanitizeBranchName('feature/Add Thing')).toBe('feature/add-thing');
    expect(sanitizeBranchName('../../etc/passwd')).toBe('etc/passwd');
    expect(sanitizeBranchName('-rf --force')).toBe('rf-force');
    expect(sanitizeBranchName('a..b.lock')).toBe('a.b');
    expect(sanitizeBranchName('$(touch x); `id`')).toBe('touch-x-id');
    expect(sanitizeBranchName('café @{upstream}')).toBe('cafe-upstream');
    expect(sanitizeBranchName('x'.repeat(100))).toHaveLength(60);
    expect(sanitizeBranchName('!!! ///')).toBe('');
  });
});

describe('git tool', () => {
  it('parses /git commands and refuses non-admins', async () => {
    expect(parseGitArgs('start notes fix the typo')).toEqual({ action: 'start', repo: 'notes', branch: 'fix the typo' });
    expect(parseGitArgs('finish notes Fix the typo')).toEqual({ action: 'finish', repo: 'notes', message: 'Fix the typo' });
    expect(parseGitArgs('')).toEqual({ action: 'repos' });
    const tool = new GitTool(workflow());
    expect(tool.privileges).toEqual(['changeRepo']);
    const refused = await tool
      .runLocal({ action: 'start', repo: 'notes', branch: 'x' }, toolContext({ isAdmin: false }))
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
    expect(git(work, 'branch', '--format=%(refname:short)')).toBe('main');
  });

  it('starts and finishes a task branch from chat', async () => {
    const tool = new GitTool(workflow());
    const started = await tool.runLocal(parseGitArgs('start notes Write docs'), toolContext());
    expect(started.text).toMatch(/^notes: on the new branch `write-docs`, from main at [0-9a-f]{7}\.$/);
    writeFileSync(join(work, 'docs.md'), 'docs\n');
    const finished = await tool.runLocal(parseGitArgs('finish notes Write the docs'), toolContext());
    expect(finished.text).toMatch(
      /^notes: pushed `write-docs` \([0-9a-f]{7}\) and opened https:\/\/github.com\/pie-owner\/notes\/pull\/42$/,
    );
    // The next task starts from the base again, not from the finished branch.
    const next = await tool.runLocal(parseGitArgs('start notes other'), toolContext());
    expect(next.text).toMatch(/^notes: on the new branch `other`, from main/);
    expect(existsSync(join(work, 'docs.md'))).toBe(false);
    expect((await tool.runLocal({ action: 'repos' }, toolContext())).text).toContain(`*notes*: ${work} (origin/main)`);
  });
});

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { FinishedBranch, PreparedBranch, RepoWorkflow } from '../../core/contracts/repo-workflow.js';
import { PieBrainError } from '../../core/errors.js';
import { allowedEnv } from '../../core/lib/allowed-env.js';
import type { Logger } from '../../core/logger.js';
import { sanitizeBranchName } from './branch-name.js';
import { GH_ENV, GIT_ENV, GIT_OVERRIDES, gitOverridesEnv, unsafeRepoSettings } from './git-guard.js';

export interface GitRepoConfig {
  name: string;
  path: string;
  remote: string;
  base: string;
}

export interface GitWorkflowOptions {
  /** config git.repos: the only repositories this workflow touches. */
  repos: readonly GitRepoConfig[];
  logger: Logger;
  /** Where git and gh take their allowlisted variables from (PATH, HOME, SSH agent, GH_TOKEN for gh); process.env by default. */
  env?: Record<string, string | undefined>;
  /** Variables set on purpose for both, beyond the allowlist. */
  extraEnv?: Record<string, string>;
  /** The GitHub CLI; `gh` on PATH by default. */
  ghCommand?: string;
  /** Bound of every git or gh command; 120 s by default. */
  timeoutMs?: number;
}

// Remote URLs may carry credentials (https://user:token@host); never repeat them.
function scrub(text: string): string {
  return text.replace(/(\w+:\/\/)[^@/\s]+@/g, '$1***@');
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return scrub(
    message
      .split('\n')
      .map((line) => line.trim())
      .find(Boolean) ?? 'unknown error',
  );
}

function fail(message: string, userMessage: string, cause?: unknown): PieBrainError {
  return new PieBrainError('TOOL_FAILED', message, { userMessage, ...(cause === undefined ? {} : { cause }) });
}

/**
 * The git workflow around a task. Before: refuse a dirty tree, `pull --rebase --autostash` the base, then
 * `checkout -b` the task's branch. After: commit everything, push, and `gh pr create` (argv only, no shell).
 * Anything that fails before the branch exists puts the repository back where it was.
 */
export class GitWorkflow implements RepoWorkflow {
  private readonly gitEnv: Record<string, string>;
  private readonly ghEnv: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(private readonly options: GitWorkflowOptions) {
    const source = options.env ?? process.env;
    // Never wait on a password prompt nobody can answer.
    const fixed = { ...options.extraEnv, GIT_TERMINAL_PROMPT: '0' };
    this.gitEnv = allowedEnv(source, GIT_ENV, fixed);
    // gh runs git too: the same overrides reach those commands through the environment.
    this.ghEnv = allowedEnv(source, GH_ENV, { ...fixed, ...gitOverridesEnv(), GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1' });
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** The configured repositories, by name. */
  list(): readonly GitRepoConfig[] {
    return this.options.repos;
  }

  async prepare(repoName: string, branchText: string, options: { signal?: AbortSignal; reuse?: boolean } = {}): Promise<PreparedBranch> {
    const repo = this.repo(repoName);
    const branch = sanitizeBranchName(branchText);
    if (!branch)
      throw new PieBrainError('VALIDATION', 'empty branch name', { userMessage: `"${branchText}" does not make a branch name.` });
    const git = this.git(repo, options.signal);
    await this.refuseUnsafeConfig(git, repo);
    await this.checkBranchName(git, branch);
    await this.refuseDirtyTree(git, repo);
    const branches = await git.branchLocal();
    if (branches.all.includes(branch) && options.reuse) {
      if (branches.current !== branch) await git.checkout(branch);
      const head = (await git.revparse(['HEAD'])).trim();
      return { repo: repo.name, path: repo.path, branch, base: repo.base, baseCommit: head };
    }
    if (branches.all.includes(branch)) {
      throw new PieBrainError('VALIDATION', `branch ${branch} exists`, {
        userMessage: `The branch \`${branch}\` already exists in ${repo.name}; pick another name.`,
      });
    }
    const originalBranch = branches.detached ? undefined : branches.current;
    const originalHead = (await git.revparse(['HEAD'])).trim();
    try {
      if (originalBranch !== repo.base) await git.checkout(repo.base);
      await git.pull(repo.remote, repo.base, { '--rebase': null, '--autostash': null });
      await git.checkout(['-b', branch]);
    } catch (error) {
      const conflicts = await this.abortRebase(git);
      await this.restore(git, originalBranch ?? originalHead);
      if (conflicts) {
        throw fail(
          `rebase conflict pulling ${repo.remote}/${repo.base} in ${repo.name}`,
          `Pulling ${repo.remote}/${repo.base} into ${repo.name} conflicts with local commits${conflicts.length ? ` (${conflicts.join(', ')})` : ''}. I aborted the rebase and left the repository as it was; resolve it by hand.`,
          error,
        );
      }
      throw fail(
        `git failed preparing ${repo.name}: ${firstLine(error)}`,
        `I could not update ${repo.name} from ${repo.remote}/${repo.base}: ${firstLine(error)}. The repository is as it was.`,
        error,
      );
    }
    const baseCommit = (await git.revparse(['HEAD'])).trim();
    this.options.logger.info({ repo: repo.name, branch, baseCommit }, 'task branch ready');
    return { repo: repo.name, path: repo.path, branch, base: repo.base, baseCommit };
  }

  async finish(
    repoName: string,
    message: string,
    options: { title?: string; body?: string; signal?: AbortSignal } = {},
  ): Promise<FinishedBranch> {
    const repo = this.repo(repoName);
    const git = this.git(repo, options.signal);
    await this.refuseUnsafeConfig(git, repo);
    const branch = (await git.revparse(['--abbrev-ref', 'HEAD'])).trim();
    if (branch === repo.base || branch === 'HEAD') {
      throw new PieBrainError('VALIDATION', `${repo.name} is on ${branch}`, {
        userMessage: `${repo.name} is on \`${branch}\`, not on a task branch: start one first (\`/git start ${repo.name} <branch>\`).`,
      });
    }
    const text = message.trim();
    if (!text) throw new PieBrainError('VALIDATION', 'empty commit message', { userMessage: 'Give me a commit message.' });
    await git.add(['-A']);
    if (!(await git.status()).isClean()) await git.commit(text);
    const ahead = Number((await git.raw(['rev-list', '--count', `${repo.base}..HEAD`])).trim());
    if (ahead === 0) {
      throw new PieBrainError('VALIDATION', 'nothing to push', {
        userMessage: `\`${branch}\` in ${repo.name} has no changes beyond ${repo.base}: nothing to push.`,
      });
    }
    const commit = (await git.revparse(['HEAD'])).trim();
    try {
      await git.push(['-u', repo.remote, branch]);
    } catch (error) {
      throw fail(
        `push of ${branch} failed: ${firstLine(error)}`,
        `I committed on \`${branch}\` but could not push it to ${repo.remote}: ${firstLine(error)}.`,
        error,
      );
    }
    const title = options.title?.trim() || (text.split('\n')[0] as string);
    const pr = await this.openPullRequest(repo, branch, title, options.body ?? text);
    this.options.logger.info({ repo: repo.name, branch, commit, prUrl: pr.prUrl }, 'task branch pushed');
    return { repo: repo.name, branch, commit, ...pr };
  }

  private repo(name: string): GitRepoConfig {
    const repo = this.options.repos.find((r) => r.name === name);
    if (!repo) {
      const known = this.options.repos.map((r) => r.name);
      throw new PieBrainError('VALIDATION', `repository ${name} is not configured`, {
        userMessage: known.length
          ? `I only work in the repositories listed in config git.repos: ${known.join(', ')}. "${name}" is not one of them.`
          : 'No repositories are configured: list them in config git.repos ({name, path, remote, base}).',
      });
    }
    if (!isAbsolute(repo.path) || !existsSync(join(repo.path, '.git'))) {
      throw new PieBrainError('VALIDATION', `${repo.path} is not a git checkout`, {
        userMessage: `The repository ${repo.name} (${repo.path}) is not a git checkout with an absolute path; check config git.repos.`,
      });
    }
    return repo;
  }

  private git(repo: GitRepoConfig, signal: AbortSignal | undefined): SimpleGit {
    // simple-git is loaded on first use, not at start-up: idle memory on a Pi stays low.
    const { simpleGit } = createRequire(import.meta.url)('simple-git') as typeof import('simple-git');
    return simpleGit({
      baseDir: repo.path,
      timeout: { block: this.timeoutMs },
      // `-c` on every command. simple-git guards these two keys whatever their value; here they switch things off.
      config: GIT_OVERRIDES.map(([key, value]) => `${key}=${value}`),
      unsafe: { allowUnsafeFsMonitor: true, allowUnsafeHooksPath: true },
      allowEnvironment: Object.keys(this.gitEnv).filter((name) => /^git_/i.test(name)),
      ...(signal ? { abort: signal } : {}),
    }).env(this.gitEnv);
  }

  /** A repository whose own config names a program for pull, add, commit or push is left alone, with the key to remove. */
  private async refuseUnsafeConfig(git: SimpleGit, repo: GitRepoConfig): Promise<void> {
    const listing = await git.raw(['config', '--list', '--show-scope', '--includes', '--name-only', '-z']);
    const unsafe = unsafeRepoSettings(listing);
    if (unsafe.length === 0) return;
    const keys = unsafe.map((setting) => `${setting.key} (${setting.what})`).join(', ');
    this.options.logger.warn({ repo: repo.name, keys: unsafe.map((setting) => setting.key) }, 'repository config runs programs');
    throw new PieBrainError('VALIDATION', `${repo.name} config sets ${keys}`, {
      userMessage: `${repo.name}'s own git config sets ${keys}. I don't run programs a repository's config names; remove ${unsafe.length > 1 ? 'them' : 'it'} (\`git config --unset <key>\` in ${repo.path}) or do this step by hand.`,
    });
  }

  private async checkBranchName(git: SimpleGit, branch: string): Promise<void> {
    try {
      await git.raw(['check-ref-format', '--branch', branch]);
    } catch (error) {
      throw new PieBrainError('VALIDATION', `bad branch name ${branch}`, {
        cause: error,
        userMessage: `\`${branch}\` is not a valid branch name.`,
      });
    }
  }

  private async refuseDirtyTree(git: SimpleGit, repo: GitRepoConfig): Promise<void> {
    const status = await git.status();
    const changed = status.files.filter((file) => file.index !== '?' || file.working_dir !== '?').map((file) => file.path);
    if (changed.length > 0) {
      throw new PieBrainError('VALIDATION', `${repo.name} has uncommitted changes`, {
        userMessage: `${repo.name} has uncommitted changes (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}). I left it alone: commit or stash them first.`,
      });
    }
  }

  /** Abort a rebase left half-way; returns the conflicted files, or undefined when no rebase was running. */
  private async abortRebase(git: SimpleGit): Promise<string[] | undefined> {
    const gitDir = (await git.revparse(['--absolute-git-dir'])).trim();
    if (!existsSync(join(gitDir, 'rebase-merge')) && !existsSync(join(gitDir, 'rebase-apply'))) return undefined;
    const conflicts = (await git.raw(['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
    await git.rebase(['--abort']);
    return conflicts;
  }

  private async restore(git: SimpleGit, target: string): Promise<void> {
    try {
      const current = (await git.revparse(['--abbrev-ref', 'HEAD'])).trim();
      if (current !== target) await git.checkout(target);
    } catch (error) {
      this.options.logger.error({ err: error, target }, 'could not return the repository to where it was');
    }
  }

  private async openPullRequest(
    repo: GitRepoConfig,
    branch: string,
    title: string,
    body: string,
  ): Promise<Pick<FinishedBranch, 'prUrl' | 'prProblem'>> {
    const gh = this.options.ghCommand ?? 'gh';
    const { execa } = await import('execa');
    const run = (args: string[]) =>
      execa(gh, args, { cwd: repo.path, env: this.ghEnv, extendEnv: false, reject: false, timeout: this.timeoutMs, stdin: 'ignore' });
    const pushed = `The branch \`${branch}\` is pushed to ${repo.remote}`;
    const auth = await run(['auth', 'status']);
    if ((auth as { code?: string }).code === 'ENOENT') {
      return {
        prProblem: `${pushed}, but the GitHub CLI (gh) is not installed, so I could not open the pull request. Install gh and run \`gh auth login\`, or open it by hand.`,
      };
    }
    if (auth.exitCode !== 0) {
      return {
        prProblem: `${pushed}, but gh is not logged in, so I could not open the pull request. Run \`gh auth login\` on the Pi, or open it by hand.`,
      };
    }
    const created = await run(['pr', 'create', '--base', repo.base, '--head', branch, '--title', title, '--body', body]);
    const url = /https?:\/\/\S+/.exec(String(created.stdout).trim().split('\n').reverse().join('\n'))?.[0];
    if (created.exitCode !== 0 || !url) {
      const reason = scrub(String(created.stderr).trim().split('\n')[0] || `exit code ${created.exitCode}`);
      return { prProblem: `${pushed}, but \`gh pr create\` failed: ${reason}` };
    }
    return { prUrl: url };
  }
}

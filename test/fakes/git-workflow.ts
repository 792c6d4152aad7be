import type { FinishedBranch, PreparedBranch, RepoWorkflow } from '../../core/contracts/repo-workflow.js';
import { silentLogger } from '../../core/logger.js';
import { GitWorkflow } from '../../tools/git-sync.js';

/**
 * The real git workflow (tools/git-sync: simple-git and whatever `gh` is first on PATH, the fake one in
 * tests), recording each call so the handoff tests can see the order. Not a re-implementation: every call
 * goes to GitWorkflow.
 */
export class RecordingGitWorkflow implements RepoWorkflow {
  readonly calls: Array<{ step: 'prepare' | 'finish'; repo: string; detail: string }> = [];
  private inner: GitWorkflow;

  constructor(
    private readonly repos: Array<{ name: string; path: string; base: string; remote: string }>,
    env: NodeJS.ProcessEnv,
  ) {
    this.inner = this.build(env);
  }

  /** Change the environment git and gh run with (e.g. a gh that fails). */
  setEnv(env: NodeJS.ProcessEnv): void {
    this.inner = this.build(env);
  }

  prepare(repo: string, branch: string, options?: { signal?: AbortSignal; reuse?: boolean }): Promise<PreparedBranch> {
    this.calls.push({ step: 'prepare', repo, detail: branch });
    return this.inner.prepare(repo, branch, options);
  }

  finish(repo: string, message: string, options?: { title?: string; body?: string; signal?: AbortSignal }): Promise<FinishedBranch> {
    this.calls.push({ step: 'finish', repo, detail: message });
    return this.inner.finish(repo, message, options);
  }

  private build(env: NodeJS.ProcessEnv): GitWorkflow {
    // git and gh inherit only an allowlist: the fake CLIs' own FAKE_* settings are handed over on purpose.
    const fakes = Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('FAKE_') && entry[1] !== undefined);
    return new GitWorkflow({ repos: this.repos, logger: silentLogger(), env, extraEnv: Object.fromEntries(fakes) });
  }
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GitWorkflow } from '../../core/git-workflow.js';

const run = promisify(execFile);

/**
 * A GitWorkflow over real git repositories and whatever `gh` is first on PATH (the fake one in tests):
 * pull --rebase and a branch before, commit, push and `gh pr create` after. It records each call.
 */
export class LocalGitWorkflow implements GitWorkflow {
  readonly calls: Array<{ step: 'prepare' | 'finish'; repo: string; detail: string }> = [];
  private readonly branches = new Map<string, string>();

  constructor(
    private readonly repos: Record<string, { path: string; base: string }>,
    private env: NodeJS.ProcessEnv,
  ) {}

  /** Change the environment git and gh run with (e.g. a gh that fails). */
  setEnv(env: NodeJS.ProcessEnv): void {
    this.env = env;
  }

  async prepare(repo: string, branch: string): Promise<void> {
    const { path, base } = this.repo(repo);
    this.calls.push({ step: 'prepare', repo, detail: branch });
    await this.git(path, 'checkout', base);
    await this.git(path, 'pull', '--rebase', 'origin', base);
    await this.git(path, 'checkout', '-B', branch);
    this.branches.set(repo, branch);
  }

  async finish(repo: string, message: string): Promise<{ prUrl?: string }> {
    const { path, base } = this.repo(repo);
    this.calls.push({ step: 'finish', repo, detail: message });
    await this.git(path, 'add', '-A');
    const { stdout: status } = await this.git(path, 'status', '--porcelain');
    if (!status.trim()) return {};
    const branch = this.branches.get(repo) ?? 'pie-brain/work';
    await this.git(path, 'commit', '-m', message);
    await this.git(path, 'push', '-u', 'origin', branch);
    const { stdout } = await run('gh', ['pr', 'create', '--head', branch, '--base', base, '--title', message, '--body', message], {
      cwd: path,
      env: this.env,
    });
    return { prUrl: stdout.trim() };
  }

  private repo(name: string): { path: string; base: string } {
    const repo = this.repos[name];
    if (!repo) throw new Error(`no repository ${name}`);
    return repo;
  }

  private git(cwd: string, ...args: string[]): Promise<{ stdout: string }> {
    return run('git', args, { cwd, env: this.env });
  }
}

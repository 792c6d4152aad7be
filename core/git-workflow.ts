/**
 * The git steps around a coding run. tools/git-sync.ts implements it; main.ts hands it to the harness (core
 * never imports tools/). `repo` is the name of a configured repository (config git.repos[].name).
 */
export interface GitWorkflow {
  /** Before the run: pull --rebase the base branch, then create and check out `branch`. */
  prepare(repo: string, branch: string): Promise<void>;
  /** After the run: commit what changed, push, open a pull request. No changes: no PR (prUrl undefined). */
  finish(repo: string, message: string): Promise<{ prUrl?: string | undefined }>;
}

/** A task's branch, ready for work: the base was pulled (rebase, autostash) and the branch checked out. */
export interface PreparedBranch {
  repo: string;
  path: string;
  branch: string;
  base: string;
  /** The commit the branch starts from. */
  baseCommit: string;
}

/** The result of committing, pushing and opening a pull request. */
export interface FinishedBranch {
  repo: string;
  branch: string;
  /** The commit that was pushed. */
  commit: string;
  /** The pull request, when gh could open one. */
  prUrl?: string;
  /** Why there is no pull request (gh missing, not logged in, refused); the branch was pushed anyway. */
  prProblem?: string;
}

/**
 * The git workflow around a task, as the cloud brains see it (tools/git-sync.ts's GitWorkflow implements
 * it; compose.ts hands it over). Only repositories listed in config git.repos; a dirty tree or a rebase
 * conflict throws a PieBrainError with a userMessage and leaves the repository as it was.
 */
export interface RepoWorkflow {
  /** `reuse`: when the branch exists already (a retried or failed-over run), check it out instead of refusing. */
  prepare(repo: string, branch: string, options?: { signal?: AbortSignal; reuse?: boolean }): Promise<PreparedBranch>;
  finish(repo: string, message: string, options?: { title?: string; body?: string; signal?: AbortSignal }): Promise<FinishedBranch>;
}

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrainRunRecord, BrainRunStore } from '../../storage/brain-runs.js';
import type { TaskQueue } from '../../storage/queue.js';
import type { Config, Env, Paths } from '../config.js';
import type { Brain } from '../contracts/brain.js';
import type { HandoffRequest } from '../contracts/handoff.js';
import type { RepoWorkflow } from '../contracts/repo-workflow.js';
import type { SpendGate } from '../contracts/spend.js';
import type { EventBus } from '../engine/events.js';
import { describeForUser, isPieBrainError, PieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { childEnv } from './child-env.js';
import { readBootId, spawnDetached } from './process-group.js';
import type { RunBook } from './run-book.js';
import type { RunTarget } from './run-target.js';

/** A follow-up in the same thread continues the brain's session when the last one is this recent. */
const RESUME_WINDOW_MS = 12 * 60 * 60 * 1000;
const MAX_PREFS_CHARS = 8000;

export interface LaunchDeps {
  config: Config;
  paths: Paths;
  clock: Clock;
  spend: SpendGate;
  git?: RepoWorkflow | undefined;
  env: Env;
  store: BrainRunStore;
  book: RunBook;
  bus: EventBus;
  queue: TaskQueue;
}

export interface LaunchedRun {
  run: BrainRunRecord;
  child: ChildProcess;
  resumed: boolean;
}

/** The user's ~/brain/profile/user_prefs.md, for the brain's system prompt. */
function readUserPrefs(paths: Paths): { userPrefs?: string; userPrefsFile?: string } {
  const file = join(paths.brainDir, 'profile', 'user_prefs.md');
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8').trim().slice(0, MAX_PREFS_CHARS);
  return text ? { userPrefs: text, userPrefsFile: file } : {};
}

async function prepareRepo(git: RepoWorkflow, repo: string, branch: string): Promise<void> {
  try {
    // A failover or a restart prepares the same task's branch again: reuse it.
    await git.prepare(repo, branch, { reuse: true });
  } catch (error) {
    throw new PieBrainError('TOOL_FAILED', `preparing ${repo} failed`, {
      cause: error,
      userMessage: `I could not prepare the repository ${repo} (pull and branch ${branch}): ${describeForUser(error)}`,
    });
  }
}

/** Who asked and where: a session is continued only for the same user in the same thread. */
export interface RunOwner {
  taskId: number;
  threadKey: string;
  userId: string;
  /** A user who may spend only a share of the budget (not an admin): the run's hold counts against it. */
  spendShare?: { key: string; share: number };
  signal: AbortSignal;
}

/** A hold lasts as long as the run may (and an hour more), so a long run stays counted against the budget. */
const HOLD_MARGIN_MS = 3600_000;

/**
 * Reserve the run's cap (BUDGET_EXCEEDED refuses it), pull and branch a configured repository for a coding
 * brain, record the run (with its reservation and boot) before its process starts, and start the brain's
 * command detached. A restart that finds the row still `starting` looks for the process by its run folder.
 * Resolves undefined when the command turned out not to be installed (the run is recorded as unavailable, for
 * failover).
 */
export async function launchRun(
  deps: LaunchDeps,
  brain: Brain,
  request: HandoffRequest,
  target: RunTarget,
  task: RunOwner,
): Promise<LaunchedRun | undefined> {
  const { config, clock, store, book, git } = deps;
  const { taskId, threadKey, userId } = task;
  task.signal.throwIfAborted();
  const capUsd = config.brains.maxRunUsd;
  const reservation = deps.spend.reserve({
    taskId,
    provider: brain.name,
    ...(config.brains.model ? { model: config.brains.model } : {}),
    capUsd,
    purpose: request.reason,
    holdMs: config.brains.runTimeoutMinutes * 60_000 + HOLD_MARGIN_MS,
    ...(task.spendShare ? { user: task.spendShare } : {}),
  });
  const branch = brain.coding && target.repo && git ? `pie-brain/task-${taskId}` : null;
  const seq = store.forTask(taskId).length + 1;
  let run: BrainRunRecord | undefined;
  try {
    if (branch && target.repo && git) await prepareRepo(git, target.repo, branch);
    const since = clock.now() - RESUME_WINDOW_MS;
    const resume = brain.resumable ? store.latestSession({ threadKey, userId }, brain.name, target.cwd, since) : undefined;
    const runDir = join(deps.paths.home, 'runs', String(taskId), `${seq}-${brain.name}`);
    run = store.create({
      taskId,
      seq,
      brain: brain.name,
      cwd: target.cwd,
      runDir,
      threadKey,
      userId,
      reservationId: reservation.id,
      bootId: readBootId(),
      repo: target.repo ?? null,
      branch,
      capUsd,
      purpose: request.reason,
      startedAt: clock.now(),
    });
    book.hold(run.id, reservation);
    const command = brain.buildCommand({
      taskId,
      prompt: request.prompt,
      cwd: target.cwd,
      runDir,
      ...readUserPrefs(deps.paths),
      ...(resume?.sessionId ? { resumeSessionId: resume.sessionId } : {}),
      maxBudgetUsd: capUsd,
      route: { reason: request.reason, ...(request.toolName ? { tool: request.toolName } : {}) },
    });
    const env = childEnv(deps.env, { pass: config.brains.passEnv, ...(command.env ? { add: command.env } : {}) });
    const started = await spawnDetached(command, runDir, env, { maxOutputBytes: config.brains.maxOutputMb * 1024 * 1024 });
    store.markRunning(run.id, started.pid, started.bootId, started.procStart);
    deps.bus.emit('brain-run-started', { taskId, runId: run.id, brain: brain.name, pid: started.pid, resumed: Boolean(resume) });
    deps.queue.record({ taskId, at: clock.now(), type: 'brain-run-started', data: { runId: run.id, brain: brain.name, pid: started.pid } });
    return { run: store.get(run.id) as BrainRunRecord, child: started.child, resumed: resume !== undefined };
  } catch (error) {
    if (!run) {
      reservation.release();
      throw error;
    }
    const unavailable = isPieBrainError(error) && error.code === 'BRAIN_UNAVAILABLE';
    book.abandon(run, unavailable ? 'unavailable' : 'error', describeForUser(error));
    if (!unavailable) throw error;
    return undefined;
  }
}

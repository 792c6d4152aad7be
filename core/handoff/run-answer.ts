import type { BrainRunRecord, BrainRunStore } from '../../storage/brain-runs.js';
import type { Outbox } from '../../storage/outbox.js';
import type { Config, Paths } from '../config.js';
import type { HandoffRequest } from '../contracts/handoff.js';
import type { Address, Reply } from '../contracts/messages.js';
import type { RepoWorkflow } from '../contracts/repo-workflow.js';
import { describeForUser, PieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import { saveResultNote, startOf } from './result-note.js';
import { storedResult } from './run-book.js';
import { composeReply, runCappedError, runFailedError, runFooter, runTimedOutError } from './run-reply.js';

export interface RunAnswerDeps {
  config: Config;
  paths: Paths;
  clock: Clock;
  logger: Logger;
  store: BrainRunStore;
  outbox: Outbox;
  git?: RepoWorkflow | undefined;
}

/**
 * The answer as the reply carries it: whole when it is short; past brains.maxReplyChars, its start and the
 * inbox note that holds all of it (a 1 MB answer is not 256 chat messages).
 */
export async function replyText(deps: RunAnswerDeps, run: BrainRunRecord): Promise<string | undefined> {
  const text = storedResult(run)?.text.trim();
  const max = deps.config.brains.maxReplyChars;
  if (!text || text.length <= max) return text || undefined;
  let where: string;
  try {
    where = `It is saved whole in your brain folder as \`${await saveResultNote(deps.paths.brainDir, run, text)}\`.`;
  } catch (error) {
    deps.logger.warn({ err: error, runId: run.id }, 'a long answer could not be saved as a note');
    where = `Saving it as a note failed (${describeForUser(error)}); the whole answer stays in the run's folder.`;
  }
  const note = `_The answer is ${text.length.toLocaleString('en-US')} characters long; here is its start. ${where}_`;
  return `${startOf(text, Math.max(100, max - note.length - 8))}\n\n[...]\n\n${note}`;
}

function commitMessage(taskId: number, brain: string, prompt: string): string {
  const first = prompt.trim().split('\n')[0] ?? '';
  return `pie-brain task ${taskId} (${brain}): ${first.length > 60 ? `${first.slice(0, 57)}...` : first}`;
}

/** The reply of a finished run: the PR for coding runs in a configured repository, failover notes, cost. */
export async function answerRun(
  deps: RunAnswerDeps,
  run: BrainRunRecord,
  request: HandoffRequest,
  limits: { runLimitMs: number },
): Promise<Reply> {
  const runs = deps.store.forTask(run.taskId);
  if (run.outcome === 'cancelled') throw new PieBrainError('TASK_CANCELLED', `Task ${run.taskId} was cancelled.`);
  if (run.outcome === 'timeout') throw runTimedOutError(run, limits.runLimitMs);
  if (run.outcome === 'capped') throw runCappedError(run);
  if (run.outcome !== 'ok') throw runFailedError(runs, run);
  const { git } = deps;
  let prUrl = run.prUrl ?? undefined;
  let gitNote: string | undefined;
  if (!prUrl && run.repo && run.branch && git) {
    try {
      const finished = await git.finish(run.repo, commitMessage(run.taskId, run.brain, request.prompt));
      prUrl = finished.prUrl;
      if (prUrl) deps.store.setPrUrl(run.id, prUrl);
      else if (finished.prProblem) gitNote = `The changes were pushed on branch \`${run.branch}\`; no pull request: ${finished.prProblem}`;
    } catch (error) {
      gitNote = `The changes stay on branch \`${run.branch}\`; opening a pull request failed: ${describeForUser(error)}`;
    }
  }
  const answer = await replyText(deps, run);
  return composeReply(runs, run, { ...(answer ? { answer } : {}), prUrl, ...(gitNote ? { gitNote } : {}) });
}

/** A run whose task ended without it (given up after repeated restarts): its answer still reaches the thread, once. */
export async function answerLate(deps: RunAnswerDeps, run: BrainRunRecord, address: Address): Promise<void> {
  if (run.outcome !== 'ok') return;
  const answer = await replyText(deps, run);
  if (!answer) return;
  const text = `Task ${run.taskId}'s ${run.brain} run finished after all:\n\n${answer}`;
  deps.outbox.add(
    { taskId: run.taskId, address, dedupeKey: `brain-late:${run.id}`, body: { text, footer: runFooter(run) } },
    deps.clock.now(),
  );
}

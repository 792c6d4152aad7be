import type { BrainRunRecord } from '../../storage/brain-runs.js';
import type { Reply } from '../contracts/messages.js';
import type { SpendAllowance } from '../contracts/spend.js';
import { PieBrainError } from '../errors.js';
import { formatDuration, formatUsd } from '../lib/format.js';
import { storedResult } from './run-book.js';

/** "claude-code (not installed) and aider (Invalid API key)". */
function listSkipped(runs: BrainRunRecord[], except: number): string {
  const parts = runs
    .filter((run) => run.outcome === 'unavailable' && run.id !== except)
    .map((run) => `${run.brain} (${run.reason ?? 'unavailable'})`);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** "aider · $0.0123 · 2m 05s · 3 turns": the cost and duration every cloud answer carries. */
export function runFooter(run: BrainRunRecord): string {
  const result = storedResult(run);
  const parts = [run.brain];
  const cost = formatUsd(run.costUsd ?? 0);
  parts.push(result?.costEstimated ? `${cost} (estimated)` : cost);
  parts.push(formatDuration(result?.durationMs ?? (run.endedAt ?? run.startedAt) - run.startedAt));
  if (result?.turns) parts.push(`${result.turns} turn${result.turns === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/**
 * The final reply of a run that answered: which brain (and why, after a failover), the answer (its start and
 * where the rest is, when it is long), the PR.
 */
export function composeReply(
  runs: BrainRunRecord[],
  run: BrainRunRecord,
  extra: { answer?: string; prUrl?: string | undefined; gitNote?: string },
): Reply {
  const lines: string[] = [];
  const skipped = listSkipped(runs, run.id);
  if (skipped) lines.push(`_${skipped} ${skipped.includes(' and ') ? 'were' : 'was'} unavailable, so ${run.brain} answered._`, '');
  lines.push(extra.answer ?? (storedResult(run)?.text.trim() || `${run.brain} finished without saying anything.`));
  if (extra.prUrl) lines.push('', `Pull request: ${extra.prUrl}`);
  if (extra.gitNote) lines.push('', extra.gitNote);
  return { text: lines.join('\n'), footer: runFooter(run) };
}

/** A run that ended with an error: the task fails with what the brain said, its cost and duration. */
export function runFailedError(runs: BrainRunRecord[], run: BrainRunRecord): PieBrainError {
  const text = storedResult(run)?.text.trim() || 'no details';
  const skipped = listSkipped(runs, run.id);
  const before = skipped ? ` (${skipped} ${skipped.includes(' and ') ? 'were' : 'was'} unavailable)` : '';
  return new PieBrainError('BRAIN_FAILED', `${run.brain} run ${run.id} ended with an error`, {
    userMessage: `${run.brain}${before} stopped with an error: ${text.length > 1500 ? `${text.slice(0, 1497)}...` : text}\n\n_${runFooter(run)}_`,
  });
}

/** Every brain was unavailable: say which and why. */
export function allUnavailableError(runs: BrainRunRecord[]): PieBrainError {
  const skipped = listSkipped(runs, -1);
  return new PieBrainError('BRAIN_UNAVAILABLE', 'no cloud brain is available', {
    userMessage: skipped
      ? `no cloud brain could take it: ${skipped}. An admin can check with /brain.`
      : 'no cloud brain is configured. An admin can check with /brain.',
  });
}

const SETTING: Record<SpendAllowance['limit'], string> = {
  cap: 'brains.maxRunUsd',
  month: 'budget.monthlyUsd',
  day: 'budget.dailyUsd',
  share: 'access.grants budgetShare',
};

/** A run stopped at what it may spend: the task fails, saying which limit it reached and what it spent. */
export function runCappedError(run: BrainRunRecord): PieBrainError {
  const result = storedResult(run);
  const cap = result?.cap;
  const spent = `${formatUsd(run.costUsd ?? cap?.costUsd ?? 0)}${result?.costEstimated ? ' (estimated)' : ''}`;
  const reached = cap
    ? `${cap.allowance.detail} (${SETTING[cap.allowance.limit]})`
    : `its cap of ${formatUsd(run.capUsd)} (brains.maxRunUsd)`;
  return new PieBrainError('BRAIN_FAILED', `${run.brain} run ${run.id} reached what it may spend`, {
    userMessage: `I stopped ${run.brain} at ${spent}: that reached ${reached}. Its whole process group (pid ${run.pid}) was ended, and what it spent is booked.\n\n_${runFooter(run)}_`,
  });
}

/** A run stopped at its time limit (brains.runTimeoutMinutes): the task fails, saying so, with what the run cost. */
export function runTimedOutError(run: BrainRunRecord, limitMs: number): PieBrainError {
  return new PieBrainError('BRAIN_FAILED', `${run.brain} run ${run.id} reached its time limit`, {
    userMessage: `${run.brain} was still working after ${formatDuration(limitMs)}, the limit of one cloud run (brains.runTimeoutMinutes), so I stopped it: its whole process group (pid ${run.pid}) was ended.\n\n_${runFooter(run)}_`,
  });
}

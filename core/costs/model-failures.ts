import type { ModelAttempt } from '../contracts/model-choice.js';
import { formatDuration } from '../lib/format.js';

/**
 * Why a model did not answer, in a few words built from the failure's code and status only (never from the
 * API's message text, which is the other side's to word): `rate-limited (429, retry after 30 s)`.
 */
export function describeFailure(attempt: Pick<ModelAttempt, 'code' | 'status' | 'retryAfterMs'>): string {
  const status = attempt.status ?? null;
  switch (attempt.code) {
    case 'RATE_LIMITED': {
      const wait = attempt.retryAfterMs !== undefined ? `, retry after ${formatDuration(attempt.retryAfterMs)}` : '';
      return `rate-limited (${status ?? 429}${wait})`;
    }
    case 'MODEL_MISSING':
      return `no longer served (${status ?? 404} not found)`;
    case 'LLM_UNAVAILABLE':
      if (status === 529) return 'overloaded (529)';
      return status === null ? 'unreachable' : `failing (${status})`;
    case 'TIMEOUT':
      return 'too slow';
    case 'LLM_REJECTED':
      return status === 401 || status === 403 ? `refusing the API key (${status})` : `refusing the request (${status ?? 'error'})`;
    default:
      return attempt.code ? `failing (${attempt.code})` : 'failing';
  }
}

/** "claude-haiku-4-5 was rate-limited (429, retry after 30 s) and claude-sonnet-5 overloaded (529)". */
export function listFailures(failures: readonly ModelAttempt[]): string {
  const parts = failures.map((failure, index) => `${failure.model}${index === 0 ? ' was' : ''} ${describeFailure(failure)}`);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** The line a reply starts with after a failover: `_x was overloaded (529), so y answered._`; empty without one. */
export function failoverNote(failures: readonly ModelAttempt[], answeredBy: string): string {
  return failures.length ? `_${listFailures(failures)}, so ${answeredBy} answered._` : '';
}

/** The ledger's one line for a paid call: the plan's justification, or which model answered after which failed. */
export function choiceWhy(model: string, failures: readonly ModelAttempt[], planned: string): string {
  return failures.length ? `${model} after ${listFailures(failures)}; planned: ${planned}` : planned;
}

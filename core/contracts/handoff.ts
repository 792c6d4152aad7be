import { describeForUser, isPieBrainError } from '../errors.js';
import type { Reply } from './messages.js';
import type { TaskContext } from './task.js';

/** What the router hands to the cloud side when a request needs heavy work. */
export interface HandoffRequest {
  /** The text the cloud brain should work on. */
  prompt: string;
  /** The tool the router chose (e.g. git workflow), when the handoff is for a tool. */
  toolName?: string;
  params?: unknown;
  /** A configured repository name the request names, if any. */
  repo?: string;
  /** Why the router handed it off (recorded as the justification of the paid run). */
  reason: string;
}

/**
 * The answer to a handoff the budget refused (a PieBrainError BUDGET_EXCEEDED), or undefined for any other
 * error. A chat gets this reply; a plan's step keeps the error, so the step shows as refused, not done.
 */
export function budgetRefusalReply(error: unknown, taskId: number): Reply | undefined {
  if (!isPieBrainError(error) || error.code !== 'BUDGET_EXCEEDED') return undefined;
  return { text: `I did not start a cloud run for task ${taskId}: ${describeForUser(error)}` };
}

/**
 * Starts (or re-attaches to) a detached cloud run for the task and resolves with the final reply. Throws
 * BUDGET_EXCEEDED when the budget refuses the run (budgetRefusalReply turns that into the user's answer).
 */
export type HandoffHandler = (request: HandoffRequest, ctx: TaskContext) => Promise<Reply>;

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

/** Starts (or re-attaches to) a detached cloud run for the task and resolves with the final reply. */
export type HandoffHandler = (request: HandoffRequest, ctx: TaskContext) => Promise<Reply>;

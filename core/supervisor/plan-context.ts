import type { PlanNote } from '../../storage/plan-sessions.js';
import type { NoteIndex } from '../contracts/note-index.js';
import { readsAsSteering } from '../router/rules.js';

export type { PlanNote } from '../../storage/plan-sessions.js';

/** Notes this close to the goal or closer are worth showing the planner. */
export const MIN_CONTEXT_SIMILARITY = 0.35;
const MAX_NOTES = 3;
const MAX_TITLE_CHARS = 120;

export interface PlanContext {
  notes: PlanNote[];
  /** Why there is no context from memory, when the memory could not be asked. */
  problem?: string;
}

/** A title as one line of a prompt: no line breaks, no control characters, bounded. */
function oneLine(title: string): string {
  return Array.from(title, (char) => (char < ' ' || char === '\u007f' ? ' ' : char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_TITLE_CHARS);
}

/**
 * Context for a plan from memory: the titles of the notes closest to the goal. Titles come from files anyone
 * could have written (a paper's title is a stranger's text), so one that reads as instructions is left out,
 * and only titles, one line each, ever reach the planner. A memory that cannot answer (no embedding model)
 * leaves the plan without context; it never stops the plan.
 */
export async function gatherContext(notes: NoteIndex | undefined, goal: string, signal?: AbortSignal): Promise<PlanContext> {
  if (!notes) return { notes: [] };
  try {
    const hits = await notes.search(goal, MAX_NOTES, signal);
    return {
      notes: hits
        .filter((hit) => hit.similarity >= MIN_CONTEXT_SIMILARITY && !readsAsSteering(hit.title))
        .map((hit) => ({ title: oneLine(hit.title), path: hit.path, similarity: Math.round(hit.similarity * 1000) / 1000 }))
        .filter((hit) => hit.title),
    };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    return { notes: [], problem: error instanceof Error ? error.message : String(error) };
  }
}

import type { Embedder } from '../contracts/embedder.js';
import type { NoteArchive } from '../contracts/note-archive.js';
import { describeForUser, PieBrainError } from '../errors.js';
import { isEmbedderUnavailable } from './embedder-unavailable.js';
import type { MemoryLog } from './memory-log.js';
import type { Snapshot } from './read-snapshot.js';

export interface RestoreOptions {
  log: MemoryLog;
  notes: NoteArchive;
  /** The memory's embedder: events and notes are embedded again with it. */
  embedder?: Embedder | undefined;
  signal?: AbortSignal;
}

export interface RestoreReport {
  events: number;
  notesWritten: number;
  notesUnchanged: number;
  /** How many were embedded for search by meaning; absent when the embedder could not run. */
  indexed?: { notes: number; events: number };
  /** Why search by meaning is not ready yet (the vectors are built on first use then). */
  indexProblem?: string;
}

function refuse(message: string): PieBrainError {
  return new PieBrainError('VALIDATION', message, { userMessage: message });
}

/**
 * Rebuild notes, events and vectors from a checked snapshot, onto a fresh data dir: a log that already holds
 * events is left alone (two histories would mix), and no note file is ever overwritten with other content.
 * Notes go first (a second try skips those already there), then every event in one transaction, then the
 * vectors; an embedder that cannot run leaves them for the first search.
 */
export async function restoreSnapshot(snapshot: Snapshot, options: RestoreOptions): Promise<RestoreReport> {
  const { log, notes } = options;
  const existing = log.events.count();
  if (existing > 0 && snapshot.events.length > 0) {
    throw refuse(
      `this data dir already holds ${existing} memory events; a restore goes onto a fresh data dir. Point PIE_BRAIN_HOME at an empty folder (or move this one away) and restore again.`,
    );
  }
  const conflicts = notes.conflicts(snapshot.notes);
  if (conflicts.length) {
    const shown = conflicts.slice(0, 5).join(', ');
    throw refuse(
      `${conflicts.length} note${conflicts.length === 1 ? '' : 's'} of the snapshot already exist with other content (${shown}${conflicts.length > 5 ? ', …' : ''}); nothing was restored. Move them away and restore again.`,
    );
  }
  const restored = await notes.restore(snapshot.notes);
  const events = log.events.restore(snapshot.events);
  const report: RestoreReport = { events, notesWritten: restored.written, notesUnchanged: restored.unchanged };
  try {
    const notesIndexed = await notes.reindex(options.signal);
    const eventsIndexed = options.embedder ? await log.index(options.embedder, options.signal) : 0;
    report.indexed = { notes: notesIndexed, events: eventsIndexed };
  } catch (error) {
    if (!isEmbedderUnavailable(error)) throw error;
    report.indexProblem = describeForUser(error);
  }
  return report;
}

import { join, resolve } from 'node:path';
import { openDatabase } from '../../storage/db.js';
import type { Config, Paths } from '../config.js';
import type { Embedder } from '../contracts/embedder.js';
import type { NoteArchive } from '../contracts/note-archive.js';
import { option, parseSince } from '../costs/costs-cli.js';
import { describeForUser, isPieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { MemoryLog } from './memory-log.js';
import { readSnapshot } from './read-snapshot.js';
import { restoreSnapshot } from './restore-snapshot.js';
import { writeSnapshot } from './write-snapshot.js';

export const MEMORY_USAGE = `Usage:
  pie-brain memory snapshot [--since DATE]   the event log and the notes as JSON Lines in $PIE_BRAIN_HOME/snapshots/
                                             (DATE: YYYY-MM-DD in timeZone, or an ISO time)
  pie-brain memory restore FILE              rebuild notes, vectors and events from a snapshot on a fresh data dir
`;

export interface MemoryCliContext {
  config: Config;
  paths: Paths;
  clock: Clock;
  version: string;
  notes: NoteArchive;
  /** The memory's embedder: a restore embeds events and notes again with it. */
  embedder?: Embedder | undefined;
  secrets?: readonly string[];
}

interface CliIo {
  out(chunk: string): void;
  err(chunk: string): void;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `pie-brain memory ...`; resolves to the exit code (2: a usage error, 1: the work failed). */
export async function runMemoryCli(args: string[], context: MemoryCliContext, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'snapshot') {
    const sinceText = option(rest, 'since');
    const since = sinceText === undefined ? undefined : parseSince(sinceText, context.config.timeZone);
    if (sinceText !== undefined && since === undefined) {
      io.err(`pie-brain: --since wants YYYY-MM-DD or an ISO time, got "${sinceText}"\n`);
      return 2;
    }
    const db = openDatabase(join(context.paths.home, 'pie-brain.db'), { busyTimeoutMs: context.config.storage.busyTimeoutMs });
    try {
      const written = writeSnapshot({
        db,
        notes: context.notes,
        dir: join(context.paths.home, 'snapshots'),
        now: context.clock.now(),
        since,
        version: context.version,
      });
      io.out(`Wrote ${plural(written.events, 'event')} and ${plural(written.notes, 'note')} (${written.bytes} bytes) to ${written.path}\n`);
      return 0;
    } finally {
      db.close();
    }
  }
  if (sub === 'restore' && rest[0] && rest.length === 1) {
    const file = resolve(rest[0]);
    const db = openDatabase(join(context.paths.home, 'pie-brain.db'), { busyTimeoutMs: context.config.storage.busyTimeoutMs });
    try {
      const snapshot = await readSnapshot(file);
      const log = new MemoryLog({
        db,
        clock: context.clock,
        vectorsDir: join(context.paths.home, 'vectors'),
        ...(context.secrets ? { secrets: context.secrets } : {}),
      });
      const report = await restoreSnapshot(snapshot, { log, notes: context.notes, embedder: context.embedder }).finally(() => log.close());
      const unchanged = report.notesUnchanged ? ` (${report.notesUnchanged} already there)` : '';
      io.out(
        `Restored ${plural(report.events, 'event')} and ${plural(report.notesWritten, 'note')}${unchanged} from ${file} (taken ${snapshot.header.createdAt}).\n`,
      );
      if (report.indexed) {
        io.out(`Indexed ${plural(report.indexed.notes, 'note')} and ${plural(report.indexed.events, 'event')} for search by meaning.\n`);
      } else {
        io.out(
          `Search by meaning is not ready: ${report.indexProblem}\nThe vectors are built on the first search once the model can run.\n`,
        );
      }
      return 0;
    } catch (error) {
      if (!isPieBrainError(error)) throw error;
      io.err(`pie-brain: ${describeForUser(error)}\n`);
      return 1;
    } finally {
      db.close();
    }
  }
  io.err(MEMORY_USAGE);
  return 2;
}

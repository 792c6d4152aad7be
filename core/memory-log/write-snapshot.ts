import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../storage/db.js';
import { MemoryEventStore } from '../../storage/memory-events.js';
import type { NoteArchive } from '../contracts/note-archive.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotEvent, type SnapshotHeader, type SnapshotNote } from './snapshot-format.js';

export interface WriteSnapshotOptions {
  db: Db;
  notes: NoteArchive;
  /** $PIE_BRAIN_HOME/snapshots */
  dir: string;
  now: number;
  /** Only events and notes from this moment on. */
  since?: number | undefined;
  version: string;
}

export interface SnapshotWritten {
  path: string;
  events: number;
  notes: number;
  bytes: number;
}

const FLUSH_BYTES = 64 * 1024;

/** `memory-2026-11-23T120000Z.jsonl`, with `-2`, `-3` when that name is taken. */
function snapshotPath(dir: string, now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  let path = join(dir, `memory-${stamp}.jsonl`);
  for (let n = 2; existsSync(path); n += 1) path = join(dir, `memory-${stamp}-${n}.jsonl`);
  return path;
}

/** Lines go out in 64 KB writes; the file only gets its name once everything is on disk. */
class LineWriter {
  private chunks: string[] = [];
  private size = 0;
  bytes = 0;

  constructor(private readonly fd: number) {}

  line(value: unknown): void {
    const text = `${JSON.stringify(value)}\n`;
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (!this.chunks.length) return;
    this.bytes += writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.size = 0;
  }
}

/**
 * Write a snapshot of the memory: the event log (from one read transaction, so it is consistent) and the
 * notes, as versioned JSON Lines under `dir`. Written to a temp file, synced, then renamed: a snapshot
 * that has its name is complete. Only the owner may read it (it holds every request and reply).
 */
export function writeSnapshot(options: WriteSnapshotOptions): SnapshotWritten {
  const { db, notes, dir, now, since } = options;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = snapshotPath(dir, now);
  const temp = `${path}.tmp`;
  const store = new MemoryEventStore(db);
  const fd = openSync(temp, 'w', 0o600);
  try {
    const counts = db.transaction(() => {
      // Notes are listed first (their count goes into the header) and read one at a time as they are written.
      const noteList = notes.list(since);
      const header: SnapshotHeader = {
        type: 'header',
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_VERSION,
        createdAt: new Date(now).toISOString(),
        since: since === undefined ? null : new Date(since).toISOString(),
        events: store.count(since),
        notes: noteList.length,
        pieBrain: options.version,
      };
      const out = new LineWriter(fd);
      out.line(header);
      for (const event of store.iterate(since)) {
        const line: SnapshotEvent = { type: 'event', ...event };
        out.line(line);
      }
      for (const note of noteList) {
        const line: SnapshotNote = { type: 'note', name: note.name, modifiedAt: note.modifiedAt, content: notes.read(note.name) };
        out.line(line);
      }
      out.flush();
      return { events: header.events, notes: header.notes, bytes: out.bytes };
    })();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
    return { path, ...counts };
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temp, { force: true });
    throw error;
  }
}

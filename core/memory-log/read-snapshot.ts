import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import type { MemoryEvent } from '../../storage/memory-events.js';
import type { ArchivedNote } from '../contracts/note-archive.js';
import { PieBrainError } from '../errors.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotHeader, snapshotHeader, snapshotLine } from './snapshot-format.js';

export interface Snapshot {
  header: SnapshotHeader;
  events: MemoryEvent[];
  notes: ArchivedNote[];
}

function invalid(file: string, problem: string): PieBrainError {
  const message = `${file}: ${problem}`;
  return new PieBrainError('VALIDATION', message, { userMessage: message });
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not a snapshot line';
  return issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

function parseJson(file: string, text: string, lineNumber: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(file, `line ${lineNumber} is not valid JSON`);
  }
}

function checkHeader(file: string, value: unknown): SnapshotHeader {
  const raw = value as { type?: unknown; format?: unknown; version?: unknown } | null;
  if (!raw || typeof raw !== 'object' || raw.type !== 'header' || raw.format !== SNAPSHOT_FORMAT) {
    throw invalid(file, 'not a pie-brain memory snapshot (its first line is not a snapshot header)');
  }
  if (typeof raw.version === 'number' && raw.version > SNAPSHOT_VERSION) {
    throw invalid(
      file,
      `written by a newer pie-brain (snapshot format version ${raw.version}; this one reads up to ${SNAPSHOT_VERSION}). Update pie-brain, then restore.`,
    );
  }
  const header = snapshotHeader.safeParse(value);
  if (!header.success) throw invalid(file, `line 1: ${firstIssue(header.error)}`);
  return header.data;
}

/**
 * Read and check a whole snapshot before anything is restored: every line is validated, ids and note names
 * are unique, and the counts match the header (a cut-off file is refused). Errors name the line.
 */
export async function readSnapshot(file: string): Promise<Snapshot> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let header: SnapshotHeader | undefined;
  const events: MemoryEvent[] = [];
  const notes: ArchivedNote[] = [];
  const eventIds = new Set<number>();
  const noteNames = new Set<string>();
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      if (!text.trim()) continue;
      const value = parseJson(file, text, lineNumber);
      if (!header) {
        header = checkHeader(file, value);
        continue;
      }
      const parsed = snapshotLine.safeParse(value);
      if (!parsed.success) throw invalid(file, `line ${lineNumber}: ${firstIssue(parsed.error)}`);
      const line = parsed.data;
      if (line.type === 'event') {
        if (eventIds.has(line.id)) throw invalid(file, `line ${lineNumber}: event ${line.id} appears twice`);
        eventIds.add(line.id);
        const { type: _type, ...event } = line;
        events.push(event);
      } else {
        if (noteNames.has(line.name)) throw invalid(file, `line ${lineNumber}: note ${line.name} appears twice`);
        noteNames.add(line.name);
        notes.push({ name: line.name, modifiedAt: line.modifiedAt, content: line.content });
      }
    }
  } catch (error) {
    if (error instanceof PieBrainError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw invalid(file, `cannot be read (${reason})`);
  } finally {
    lines.close();
  }
  if (!header) throw invalid(file, 'empty: not a pie-brain memory snapshot');
  if (header.events !== events.length || header.notes !== notes.length) {
    throw invalid(
      file,
      `incomplete: its header promises ${header.events} events and ${header.notes} notes, the file holds ${events.length} and ${notes.length}`,
    );
  }
  return { header, events, notes };
}

import { existsSync, mkdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Embedder } from '../../core/contracts/embedder.js';
import type { ArchivedNote, NoteArchive, NotesRestored } from '../../core/contracts/note-archive.js';
import { PieBrainError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/lib/atomic-file.js';
import { listMarkdownFiles } from './note-files.js';
import { closeNoteStore, type MemoryDeps, openNoteStore } from './open-memory.js';

/**
 * The notes of ~/brain/inbox as a snapshot sees them: the Markdown files themselves. `reindex` rebuilds
 * their vectors through the memory's note store (passed in, so opening this archive loads no model).
 */
export class InboxArchive implements NoteArchive {
  constructor(
    private readonly inboxDir: string,
    private readonly reindexNotes: (signal?: AbortSignal) => Promise<number>,
  ) {}

  list(since = Number.NEGATIVE_INFINITY): Array<Omit<ArchivedNote, 'content'>> {
    return listMarkdownFiles(this.inboxDir)
      .map((path) => ({ name: basename(path), modifiedAt: Math.round(statSync(path).mtimeMs) }))
      .filter((note) => note.modifiedAt >= since);
  }

  read(name: string): string {
    return readFileSync(this.pathOf(name), 'utf8');
  }

  conflicts(notes: readonly ArchivedNote[]): string[] {
    return notes.filter((note) => existsSync(this.pathOf(note.name)) && this.read(note.name) !== note.content).map((note) => note.name);
  }

  async restore(notes: readonly ArchivedNote[]): Promise<NotesRestored> {
    mkdirSync(this.inboxDir, { recursive: true });
    let written = 0;
    let unchanged = 0;
    for (const note of notes) {
      const path = this.pathOf(note.name);
      if (existsSync(path)) {
        if (readFileSync(path, 'utf8') !== note.content)
          throw new PieBrainError('VALIDATION', `${path} appeared with other content during the restore`);
        unchanged += 1;
        continue;
      }
      await writeFileAtomic(path, note.content);
      // The note keeps its own date: a later snapshot with --since sees it as it was.
      const at = new Date(note.modifiedAt);
      utimesSync(path, at, at);
      written += 1;
    }
    return { written, unchanged };
  }

  reindex(signal?: AbortSignal): Promise<number> {
    return this.reindexNotes(signal);
  }

  private pathOf(name: string): string {
    // Snapshot lines are checked to be plain file names; this is the last guard against a way out of the inbox.
    if (basename(name) !== name || name.startsWith('.')) throw new PieBrainError('VALIDATION', `not a note file name: ${name}`);
    return join(this.inboxDir, name);
  }
}

/** The inbox archive of a data dir with the memory's note store behind `reindex` (the command line uses it). */
export function openInboxArchive(deps: MemoryDeps): { archive: InboxArchive; embedder: Embedder; close(): Promise<void> } {
  const store = openNoteStore(deps);
  return {
    archive: new InboxArchive(join(deps.paths.brainDir, 'inbox'), (signal) => store.reindex(signal)),
    embedder: store.embedder,
    close: () => closeNoteStore(store),
  };
}

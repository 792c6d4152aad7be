/** A note as a snapshot carries it: its file name in the inbox and its whole Markdown text. */
export interface ArchivedNote {
  /** The file name, without folders (`2026-11-23-some-title.md`). */
  name: string;
  content: string;
  /** Last modified (ms): a restore gives it back to the file. */
  modifiedAt: number;
}

/** What a restore did with the notes. */
export interface NotesRestored {
  written: number;
  /** Already there with the same content: left as they were. */
  unchanged: number;
}

/**
 * The notes side of a memory snapshot (tools/lib/note-archive.ts implements it over ~/brain/inbox): the
 * Markdown files are the notes, their vectors are rebuilt from them.
 */
export interface NoteArchive {
  /** Notes modified at or after `since` (all without it), in name order. */
  list(since?: number): Array<Omit<ArchivedNote, 'content'>>;
  /** One note's Markdown text. */
  read(name: string): string;
  /** Names of notes that exist already with other content: a restore that would overwrite them stops. */
  conflicts(notes: readonly ArchivedNote[]): string[];
  /** Write notes into the inbox, never over a different file. */
  restore(notes: readonly ArchivedNote[]): Promise<NotesRestored>;
  /** Embed every note again for search by meaning; throws when the embedding model cannot run. */
  reindex(signal?: AbortSignal): Promise<number>;
}

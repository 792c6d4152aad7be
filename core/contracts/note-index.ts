/** A note as the memory index stores it. */
export interface IndexedNote {
  /** Absolute path of the Markdown file. */
  path: string;
  title: string;
  /** What is embedded: usually the title and the abstract or body. */
  text: string;
}

/** The closest note the index knows. */
export interface SimilarNote {
  path: string;
  title: string;
  /** Cosine similarity in [0, 1]. */
  similarity: number;
}

/**
 * The memory as core and the tools see it: its search (a plan's context), and the dedup check of the tools
 * that create notes (tools/lib/note-store.ts implements it; tests use test/fakes/note-index.ts). The seed's rule: before a new arXiv search or a new note, when the best match is
 * more similar than the configured threshold (config memory.dedupThreshold), answer with the existing file.
 */
export interface NoteIndex {
  /** The stored notes closest in meaning to a query, best first (context for a plan, whatever their similarity). */
  search(query: string, limit?: number, signal?: AbortSignal): Promise<SimilarNote[]>;
  /** The closest stored note when it is more similar than the dedup threshold, else undefined. */
  findSimilar(text: string, options?: { signal?: AbortSignal }): Promise<SimilarNote | undefined>;
  /** Remember a note that was just written, so the next check finds it. */
  add(note: IndexedNote): Promise<void>;
}

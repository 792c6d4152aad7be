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
 * The memory's dedup check, as the tools that create notes see it (tools/memory.ts implements it; tests use
 * test/fakes/note-index.ts). The seed's rule: before a new arXiv search or a new note, when the best match is
 * more similar than the configured threshold (config memory.dedupThreshold), answer with the existing file.
 */
export interface NoteIndex {
  /** The closest stored note when it is more similar than the dedup threshold, else undefined. */
  findSimilar(text: string, options?: { signal?: AbortSignal }): Promise<SimilarNote | undefined>;
  /** Remember a note that was just written, so the next check finds it. */
  add(note: IndexedNote): Promise<void>;
}

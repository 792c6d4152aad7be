/** A note that is already known, and how close it is to the text asked about (cosine, 0..1). */
export interface SimilarNote {
  path: string;
  title: string;
  similarity: number;
}

/**
 * The notes pie-brain already has (files in ~/brain/inbox), searchable by meaning. The seed's dedup rule:
 * before a new arXiv search or a new note, `findSimilar` tells whether something close enough is known.
 */
export interface NoteIndex {
  /** The best match when it is more similar than the configured threshold (memory.dedupThreshold), else undefined. */
  findSimilar(text: string): Promise<SimilarNote | undefined>;
  /** Index a note that was written to `path`. */
  add(note: { path: string; title: string; text: string }): Promise<void>;
}

/**
 * Turns texts into vectors for semantic search (the memory, the arXiv dedup rule). Implementations load
 * their model lazily on the first `embed` so an idle pie-brain stays small on a Pi.
 */
export interface Embedder {
  /**
   * Which model makes the vectors, e.g. `transformers:Xenova/all-MiniLM-L6-v2`. Vectors of different ids
   * are not comparable: a store built with one id is rebuilt when the id changes.
   */
  readonly id: string;
  /** One unit-length vector per text, in the order given. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Whether the model is held in this process's memory right now. */
  isLoaded(): boolean;
  /** Free the model; the next `embed` loads it again. */
  unload(): Promise<void>;
}

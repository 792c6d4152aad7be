import { existsSync, mkdirSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import type { Embedder } from '../../core/contracts/embedder.js';
import type { IndexedNote, NoteIndex, SimilarNote } from '../../core/contracts/note-index.js';
import { type ErrorCode, isPieBrainError, type PieBrainError } from '../../core/errors.js';
import { Semaphore } from '../../core/lib/semaphore.js';
import type { Logger } from '../../core/logger.js';
import { listMarkdownFiles, type NoteFile, readNote } from './note-files.js';

export interface NoteStoreOptions {
  /** The LanceDB folder: $PIE_BRAIN_HOME/vectors. */
  dir: string;
  embedder: Embedder;
  /** Cosine similarity above which `findSimilar` reports a match (memory.dedupThreshold). */
  dedupThreshold: number;
  logger: Logger;
  /** Notes on disk (~/brain/inbox): indexed on first use when missing from the table. */
  inboxDir?: string;
  /** Compact the table's small files after this many writes (fewer files, fewer SD-card writes later). */
  compactEvery?: number;
  now?: () => number;
  /**
   * Called when the embedder stops being usable (model not pulled, Ollama down, transformers.js not
   * installed) with the reason, and with undefined once it works again: one hint to the admins, not an
   * error per request.
   */
  onAvailability?: (problem: PieBrainError | undefined) => void;
}

/** One search result; similarity is 1 - cosine distance. */
export interface NoteHit extends SimilarNote {
  text: string;
  createdAt: number;
}

const TABLE = 'notes';
const EMBEDDER_KEY = 'pie-brain.embedder';
// Long notes are cut before embedding (the model truncates anyway) and for storage.
const MAX_EMBED_CHARS = 4000;
const MAX_STORED_CHARS = 8000;
const BATCH = 64;
// What an embedder throws when it cannot run at all right now; anything else is a real failure.
const UNAVAILABLE: ReadonlySet<ErrorCode> = new Set(['MODEL_MISSING', 'LLM_UNAVAILABLE', 'TIMEOUT']);

/** The embedder cannot run right now: notes are still written, search and the similarity check wait for it. */
export function isEmbedderUnavailable(error: unknown): error is PieBrainError {
  return isPieBrainError(error) && UNAVAILABLE.has(error.code);
}

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function embeddingText(note: { title: string; text: string }): string {
  return (note.text.trim() || note.title).slice(0, MAX_EMBED_CHARS);
}

/**
 * The notes table in LanceDB (path, title, text, vector, created_at), searched by cosine distance.
 * Nothing is opened or loaded until the first call; the first call indexes inbox notes the table lacks.
 * Without a working embedder the notes stay on disk and are indexed once it works again.
 */
export class NoteStore implements NoteIndex {
  private opening: Promise<void> | undefined;
  private connection: Connection | undefined;
  private table: Table | undefined;
  private readonly writes = new Semaphore(1);
  private writesSinceCompaction = 0;
  private readonly now: () => number;
  /** Why the embedder cannot run, while it cannot. */
  private problem: PieBrainError | undefined;
  /** Notes on disk that the index lacks because the embedder could not run. */
  private behind = false;
  private catchingUp: Promise<void> | undefined;

  constructor(private readonly options: NoteStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get embedder(): Embedder {
    return this.options.embedder;
  }

  /** Why search by meaning cannot run right now (the embedder's error), else undefined. */
  unavailable(): PieBrainError | undefined {
    return this.problem;
  }

  /** The notes closest in meaning to a query, best first; throws the embedder's error while it cannot run. */
  async search(query: string, limit = 5, signal?: AbortSignal): Promise<NoteHit[]> {
    await this.open();
    if (this.behind) {
      this.catchingUp ??= this.catchUp().finally(() => {
        this.catchingUp = undefined;
      });
      await this.catchingUp;
    }
    if (!this.table) return [];
    const [vector] = await this.embed([query.slice(0, MAX_EMBED_CHARS)], signal);
    return vector ? this.searchVector(vector, limit) : [];
  }

  /** LanceDB nearest neighbours of a vector (exposed for the benchmark). */
  async searchVector(vector: Float32Array, limit = 5): Promise<NoteHit[]> {
    await this.open();
    if (!this.table) return [];
    // Vectors are unit length (the Embedder contract), so LanceDB's dot distance (1 - x·y) is the cosine
    // distance, and a brute-force scan skips computing norms: 2-3x faster at 10,000 notes of 384 dimensions.
    const rows = await this.table
      .vectorSearch(vector)
      .distanceType('dot')
      .limit(limit)
      .select(['path', 'title', 'text', 'created_at', '_distance'])
      .toArray();
    return rows.map((row: { path: string; title: string; text: string; created_at: number; _distance: number }) => ({
      path: row.path,
      title: row.title,
      text: row.text,
      createdAt: Number(row.created_at),
      similarity: 1 - row._distance,
    }));
  }

  /** The dedup check; without an embedder nothing counts as similar (arXiv notes are still matched by ID). */
  async findSimilar(text: string, options: { signal?: AbortSignal } = {}): Promise<SimilarNote | undefined> {
    let best: NoteHit | undefined;
    try {
      [best] = await this.search(text, 1, options.signal);
    } catch (error) {
      if (isEmbedderUnavailable(error)) return undefined;
      throw error;
    }
    if (!best || !(best.similarity > this.options.dedupThreshold)) return undefined;
    return { path: best.path, title: best.title, similarity: best.similarity };
  }

  async add(note: IndexedNote): Promise<void> {
    await this.addMany([note], { replace: true });
  }

  /**
   * Embed and store notes; with `replace`, a note whose path is already stored is updated, not doubled.
   * Without an embedder the notes are left for later (see `unavailable()`): they are on disk already.
   */
  async addMany(notes: readonly NoteFile[], options: { replace?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    if (notes.length === 0) return;
    await this.open();
    for (let start = 0; start < notes.length; start += BATCH) {
      const batch = notes.slice(start, start + BATCH).map((note) => ({ ...note, path: resolve(note.path) }));
      let vectors: Float32Array[];
      try {
        vectors = await this.embed(batch.map(embeddingText), options.signal);
      } catch (error) {
        if (!isEmbedderUnavailable(error)) throw error;
        this.behind = true;
        this.options.logger.info({ notes: notes.length - start, code: error.code }, 'no embedder: notes will be indexed once it works');
        return;
      }
      await this.writes.run(() => this.insert(batch, vectors, options.replace ?? false));
    }
  }

  /** Drop the table and index every note of the inbox again. Returns how many notes were indexed. */
  async reindex(signal?: AbortSignal): Promise<number> {
    // Opening normally would first index what is missing, only for it to be dropped here.
    await this.open(false);
    await this.writes.run(() => this.dropTable());
    const notes = this.readInbox(listMarkdownFiles(this.options.inboxDir ?? ''));
    await this.addMany(notes, { signal });
    await this.writes.run(() => this.compact());
    return notes.length;
  }

  async count(): Promise<number> {
    await this.open();
    return this.table ? this.table.countRows() : 0;
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    this.table?.close();
    this.connection?.close();
    this.table = undefined;
    this.connection = undefined;
    this.opening = undefined;
    await this.options.embedder.unload();
  }

  private open(catchUp = true): Promise<void> {
    this.opening ??= this.connect(catchUp).catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async connect(catchUp: boolean): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true });
    const lancedb = await import('@lancedb/lancedb');
    this.connection = await lancedb.connect(this.options.dir);
    if ((await this.connection.tableNames()).includes(TABLE)) {
      const table = await this.connection.openTable(TABLE);
      const madeBy = (await table.schema()).metadata.get(EMBEDDER_KEY);
      if (madeBy === this.options.embedder.id) this.table = table;
      else {
        // Vectors of another model cannot be compared with new ones: rebuild from the notes on disk.
        this.options.logger.warn({ was: madeBy, now: this.options.embedder.id }, 'embedding model changed: rebuilding the note index');
        table.close();
        await this.connection.dropTable(TABLE);
      }
    }
    if (catchUp) await this.catchUp().catch((error: unknown) => this.tolerate(error));
  }

  // Opening works without an embedder: the notes it could not index wait for the next call.
  private tolerate(error: unknown): void {
    if (!isEmbedderUnavailable(error)) throw error;
    this.behind = true;
  }

  /** Embed through the embedder, keeping track of whether it can run (and saying so on each change). */
  private async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    try {
      const vectors = await this.options.embedder.embed(texts, signal);
      this.setProblem(undefined);
      return vectors;
    } catch (error) {
      if (isEmbedderUnavailable(error) && !signal?.aborted) this.setProblem(error);
      throw error;
    }
  }

  private setProblem(problem: PieBrainError | undefined): void {
    const changed = (problem?.code ?? '') !== (this.problem?.code ?? '');
    this.problem = problem;
    if (changed) this.options.onAvailability?.(problem);
  }

  // Notes written while pie-brain was stopped (or by hand, or while the embedder could not run) get indexed;
  // rows of deleted inbox files go.
  private async catchUp(): Promise<void> {
    this.behind = false;
    const inbox = this.options.inboxDir;
    if (!inbox) return;
    const files = listMarkdownFiles(inbox).map((path) => resolve(path));
    const known = new Set<string>();
    if (this.table) {
      for (const row of await this.table.query().select(['path']).toArray()) known.add((row as { path: string }).path);
    }
    const inboxPrefix = resolve(inbox) + sep;
    const gone = [...known].filter((path) => path.startsWith(inboxPrefix) && !existsSync(path));
    const missing = files.filter((path) => !known.has(path));
    if (gone.length) await this.writes.run(() => this.deletePaths(gone));
    if (missing.length) {
      this.options.logger.info({ notes: missing.length, inbox }, 'indexing inbox notes');
      const notes = this.readInbox(missing);
      for (let start = 0; start < notes.length; start += BATCH) {
        const batch = notes.slice(start, start + BATCH);
        let vectors: Float32Array[];
        try {
          vectors = await this.embed(batch.map(embeddingText));
        } catch (error) {
          this.behind = true;
          throw error;
        }
        await this.writes.run(() => this.insert(batch, vectors, false));
      }
    }
  }

  private readInbox(paths: readonly string[]): NoteFile[] {
    const notes: NoteFile[] = [];
    for (const path of paths) {
      try {
        notes.push({ ...readNote(path), path: resolve(path) });
      } catch (error) {
        this.options.logger.warn({ path, err: error }, 'cannot read a note; left out of the index');
      }
    }
    return notes;
  }

  private async insert(notes: readonly NoteFile[], vectors: readonly Float32Array[], replace: boolean): Promise<void> {
    const createdAt = this.now();
    const rows = notes.map((note, i) => ({
      path: note.path,
      title: note.title,
      text: note.text.slice(0, MAX_STORED_CHARS),
      vector: vectors[i] as Float32Array,
      created_at: createdAt,
    }));
    const table = this.table ?? (await this.createTable(rows[0]?.vector.length ?? 0));
    if (replace) await table.mergeInsert('path').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
    else await table.add(rows);
    this.writesSinceCompaction += 1;
    if (this.writesSinceCompaction >= (this.options.compactEvery ?? 20)) await this.compact();
  }

  private async createTable(dim: number): Promise<Table> {
    const { Field, FixedSizeList, Float32, Schema, TimestampMillisecond, Utf8 } = await import('apache-arrow');
    const schema = new Schema(
      [
        new Field('path', new Utf8(), false),
        new Field('title', new Utf8(), false),
        new Field('text', new Utf8(), false),
        new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
        new Field('created_at', new TimestampMillisecond(), false),
      ],
      new Map([[EMBEDDER_KEY, this.options.embedder.id]]),
    );
    this.table = await (this.connection as Connection).createEmptyTable(TABLE, schema, { mode: 'create' });
    return this.table;
  }

  private async deletePaths(paths: readonly string[]): Promise<void> {
    if (!this.table) return;
    for (let start = 0; start < paths.length; start += 200) {
      await this.table.delete(
        `path IN (${paths
          .slice(start, start + 200)
          .map(quote)
          .join(', ')})`,
      );
    }
  }

  private async dropTable(): Promise<void> {
    if (!this.table) return;
    this.table.close();
    this.table = undefined;
    await (this.connection as Connection).dropTable(TABLE);
  }

  private async compact(): Promise<void> {
    this.writesSinceCompaction = 0;
    if (!this.table) return;
    try {
      // One process owns this folder, so old versions can go at once (wall time: LanceDB stamps versions itself).
      await this.table.optimize({ cleanupOlderThan: new Date() });
    } catch (error) {
      this.options.logger.warn({ err: error }, 'compacting the note index failed; will try again later');
    }
  }
}

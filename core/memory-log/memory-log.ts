import type { Db } from '../../storage/db.js';
import { KeyValueStore } from '../../storage/kv.js';
import { MemoryEventVectors } from '../../storage/memory-event-vectors.js';
import { type FoundEvent, type MemoryEvent, MemoryEventStore, type NewMemoryEvent } from '../../storage/memory-events.js';
import { type Actor, type ReaderScope, readerScope } from '../access.js';
import type { Embedder } from '../contracts/embedder.js';
import { PieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { redactSecrets } from '../logger.js';
import { EventMeaning } from './event-meaning.js';
import { toFtsQuery } from './fts-query.js';

export type { FoundEvent, MemoryEvent } from '../../storage/memory-events.js';
export type { NearEvent } from './event-meaning.js';

import type { NearEvent } from './event-meaning.js';

/** Longest text (and longest string inside the detail) one event keeps. */
export const MAX_EVENT_CHARS = 4000;

export interface MemoryLogOptions {
  db: Db;
  clock: Clock;
  /** Where the events' vectors live: $PIE_BRAIN_HOME/vectors, beside the notes'. */
  vectorsDir: string;
  /** Configured secret values: replaced before anything is stored. */
  secrets?: readonly string[];
}

/** What a caller appends; `at` defaults to now. */
export type LogEntry = Omit<NewMemoryEvent, 'at'> & { at?: number };

/** Who reads the log, and in which chat the answer will be seen. */
export interface Viewer {
  actor: Actor;
  chatId: string;
}

/** The events a viewer reads (see readerScope). */
export function scopeOf({ actor, chatId }: Viewer): ReaderScope {
  return readerScope(actor, chatId);
}

/** Whether a viewer sees other people's events too (their answers say whose each event is). */
export function seesOthers(viewer: Viewer): boolean {
  return scopeOf(viewer).chatId !== undefined;
}

function cut(text: string): string {
  return text.length > MAX_EVENT_CHARS ? `${text.slice(0, MAX_EVENT_CHARS - 1)}…` : text;
}

function clean(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return cut(redactSecrets(value, secrets));
  if (Array.isArray(value)) return value.map((item) => clean(item, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clean(item, secrets)]));
  }
  return value;
}

/**
 * The memory event log: what happened (requests, route decisions, tool calls with their inputs and outputs,
 * replies, model calls and cloud runs with their cost), append-only, searchable by words and by meaning.
 * Secrets are scrubbed and long texts cut before anything is stored.
 */
export class MemoryLog {
  readonly events: MemoryEventStore;
  private readonly vectors: MemoryEventVectors;
  private readonly meaning: EventMeaning;
  private readonly secrets: readonly string[];

  constructor(private readonly options: MemoryLogOptions) {
    this.events = new MemoryEventStore(options.db);
    this.vectors = new MemoryEventVectors(options.vectorsDir);
    this.meaning = new EventMeaning(this.events, this.vectors, new KeyValueStore(options.db));
    this.secrets = options.secrets ?? [];
  }

  append(entry: LogEntry): number {
    return this.events.append({
      ...entry,
      at: entry.at ?? this.options.clock.now(),
      text: cut(redactSecrets(entry.text, this.secrets)),
      data: entry.data ? (clean(entry.data, this.secrets) as Record<string, unknown>) : null,
    });
  }

  /** The viewer's last `limit` events (and the chat's, for operators), oldest first. */
  recent(viewer: Viewer, limit: number): MemoryEvent[] {
    return this.events.recent(scopeOf(viewer), limit).reverse();
  }

  /** Events whose text holds every word (stemmed: "papers" finds "paper"), best match first. */
  find(viewer: Viewer, words: string, options: { limit: number; excludeTaskId?: number }): FoundEvent[] {
    const match = toFtsQuery(words);
    if (!match) throw new PieBrainError('VALIDATION', 'no searchable words', { userMessage: 'Give me some words to look for.' });
    return this.events.find(scopeOf(viewer), match, options);
  }

  /**
   * The events closest in meaning to `query`. Events logged since the last search are embedded first (their
   * vectors are kept); an embedder that cannot run throws its own error, and the caller falls back to `find`.
   */
  async searchByMeaning(
    viewer: Viewer,
    query: string,
    embedder: Embedder,
    options: { limit: number; excludeTaskId?: number; signal?: AbortSignal },
  ): Promise<NearEvent[]> {
    await this.index(embedder, options.signal);
    const [vector] = await embedder.embed([query], options.signal);
    if (!vector) return [];
    return this.meaning.nearest(vector, scopeOf(viewer), options);
  }

  /** Embed every event that lacks a vector of this embedder (a restore does it up front); returns how many. */
  index(embedder: Embedder, signal?: AbortSignal): Promise<number> {
    return this.meaning.index(embedder, signal);
  }

  /** Let go of the vector index (shutdown); the next search opens it again. */
  close(): Promise<void> {
    return this.vectors.close();
  }
}

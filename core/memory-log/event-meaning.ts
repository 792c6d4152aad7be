import type { KeyValueStore } from '../../storage/kv.js';
import type { MemoryEventVectors } from '../../storage/memory-event-vectors.js';
import type { EventScope, MemoryEvent, MemoryEventStore } from '../../storage/memory-events.js';
import type { Embedder } from '../contracts/embedder.js';
import { Semaphore } from '../lib/semaphore.js';

/** An event found by meaning; similarity is the cosine of the unit vectors. */
export interface NearEvent extends MemoryEvent {
  similarity: number;
}

/** How far the vectors have come: every searchable event up to `lastEventId` has one of `embedder`. */
interface IndexState {
  embedder: string;
  lastEventId: number;
  /** The log's oldest event when vectors were last pruned (retention removes events from the old end). */
  firstEventId: number;
}

const STATE_KEY = 'memory-log.vectors';
const BATCH = 32;
// The model reads a few hundred tokens at most: longer texts cost time and change nothing.
const MAX_EMBED_CHARS = 1000;
// Candidates asked of the vector index at most, when many near ones are memory look-ups left out.
const MAX_CANDIDATES = 1000;

/**
 * Search by meaning over the event log: events are embedded after the fact, a batch at a time, when a search
 * needs them (an idle Pi loads no model for its log), and their vectors live in LanceDB.
 */
export class EventMeaning {
  private readonly indexing = new Semaphore(1);

  constructor(
    private readonly events: MemoryEventStore,
    private readonly vectors: MemoryEventVectors,
    private readonly kv: KeyValueStore,
  ) {}

  /** Embed every searchable event that has no vector of this embedder yet; returns how many. */
  index(embedder: Embedder, signal?: AbortSignal): Promise<number> {
    return this.indexing.run(async () => {
      const known = await this.vectors.open(embedder.id);
      const { first, last } = this.events.bounds();
      const stored = this.kv.get<IndexState>(STATE_KEY);
      // A new model, a lost table or a log restored under an old state: embed the whole log again.
      let state: IndexState =
        known && stored?.embedder === embedder.id && stored.lastEventId <= last
          ? stored
          : { embedder: embedder.id, lastEventId: 0, firstEventId: 0 };
      if (first > state.firstEventId) {
        await this.vectors.deleteBelow(first);
        state = { ...state, firstEventId: first };
        this.kv.set(STATE_KEY, state);
      }
      let done = 0;
      for (;;) {
        signal?.throwIfAborted();
        const batch = this.events.textEventsAfter(state.lastEventId, BATCH);
        if (batch.length === 0) return done;
        const embedded = await embedder.embed(
          batch.map((event) => event.text.slice(0, MAX_EMBED_CHARS)),
          signal,
        );
        await this.vectors.add(batch.map((event, i) => ({ ...event, eventId: event.id, vector: embedded[i] as Float32Array })));
        state = { ...state, lastEventId: batch.at(-1)?.id ?? state.lastEventId };
        this.kv.set(STATE_KEY, state);
        done += batch.length;
      }
    });
  }

  /**
   * The `limit` events in scope nearest to a unit vector, best first (ties: the newer first). Events of memory
   * look-ups and of `excludeTaskId` are left out, asking the index for more candidates when needed.
   */
  async nearest(vector: Float32Array, scope: EventScope, options: { limit: number; excludeTaskId?: number }): Promise<NearEvent[]> {
    for (let want = options.limit * 3; ; want *= 4) {
      const found = await this.vectors.nearest(vector, scope, want);
      const allowed = this.events.searchable(
        found.map((row) => row.eventId),
        scope,
        options.excludeTaskId,
      );
      const kept = found
        .filter((row) => allowed.has(row.eventId))
        .sort((a, b) => b.similarity - a.similarity || b.eventId - a.eventId)
        .slice(0, options.limit);
      if (kept.length === options.limit || found.length < want || want >= MAX_CANDIDATES) {
        return kept.flatMap(({ eventId, similarity }) => {
          const event = this.events.get(eventId);
          return event ? [{ ...event, similarity }] : [];
        });
      }
    }
  }
}

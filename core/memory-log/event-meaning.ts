import type { MemoryEventVectors } from '../../storage/memory-event-vectors.js';
import type { EventScope, MemoryEvent, MemoryEventStore } from '../../storage/memory-events.js';
import type { Embedder } from '../contracts/embedder.js';

/** An event found by meaning; similarity is the cosine of the unit vectors. */
export interface NearEvent extends MemoryEvent {
  similarity: number;
}

const BATCH = 32;
// The model reads a few hundred tokens at most: longer texts cost time and change nothing.
const MAX_EMBED_CHARS = 1000;

/** Embed the events that lack a vector of this embedder, a batch at a time (each batch is kept at once). */
export async function embedMissingEvents(vectors: MemoryEventVectors, embedder: Embedder, signal?: AbortSignal): Promise<number> {
  vectors.keepOnly(embedder.id);
  let done = 0;
  let after = 0;
  for (;;) {
    signal?.throwIfAborted();
    const batch = vectors.missing(BATCH, after);
    if (batch.length === 0) return done;
    after = batch.at(-1)?.id ?? after;
    const embedded = await embedder.embed(
      batch.map((event) => event.text.slice(0, MAX_EMBED_CHARS)),
      signal,
    );
    vectors.put(
      embedder.id,
      batch.map((event, i) => ({ eventId: event.id, vector: embedded[i] as Float32Array })),
    );
    done += batch.length;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * The `limit` events in scope nearest to a unit vector: a scan of the stored vectors (a year of a person's
 * events is thousands, which a scan handles in milliseconds), keeping the best few as it goes.
 */
export function nearestEvents(
  vectors: MemoryEventVectors,
  events: MemoryEventStore,
  embedderId: string,
  query: Float32Array,
  scope: EventScope,
  options: { limit: number; excludeTaskId?: number },
): NearEvent[] {
  const best: Array<{ id: number; similarity: number }> = [];
  for (const row of vectors.scan(embedderId, scope, options.excludeTaskId)) {
    if (row.vector.length !== query.length) continue;
    const similarity = dot(query, row.vector);
    if (best.length === options.limit && similarity <= (best.at(-1)?.similarity ?? -Infinity)) continue;
    best.push({ id: row.id, similarity });
    best.sort((a, b) => b.similarity - a.similarity || b.id - a.id);
    if (best.length > options.limit) best.pop();
  }
  return best.flatMap(({ id, similarity }) => {
    const event = events.get(id);
    return event ? [{ ...event, similarity }] : [];
  });
}

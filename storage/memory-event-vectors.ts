import type { Db } from './db.js';
import { type EventScope, NOT_RECALL, scoped, scopeParams } from './memory-events.js';

/** Event kinds whose text means something to search by meaning (a route or a model call is bookkeeping). */
export const EMBEDDED_KINDS = ['request', 'tool', 'reply'] as const;

function toBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBlob(blob: Buffer): Float32Array {
  // A Float32Array over the same memory needs 4-byte alignment; copy when the buffer is not aligned.
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(new Uint8Array(blob).buffer);
}

/**
 * Vectors of the log's events, one per event, tagged with the embedder that made them. Derived data: a
 * change of model drops them, and they are embedded again on the next search.
 */
export class MemoryEventVectors {
  private readonly s;

  constructor(private readonly db: Db) {
    const kinds = EMBEDDED_KINDS.map((kind) => `'${kind}'`).join(', ');
    this.s = {
      dropOthers: db.prepare('DELETE FROM memory_event_vectors WHERE embedder != ?'),
      missing: db.prepare(
        `SELECT e.id, e.text FROM memory_events e
         WHERE e.id > ? AND e.kind IN (${kinds}) AND e.recall = 0 AND NOT EXISTS (SELECT 1 FROM memory_event_vectors v WHERE v.event_id = e.id)
         ORDER BY e.id LIMIT ?`,
      ),
      put: db.prepare('INSERT OR REPLACE INTO memory_event_vectors (event_id, embedder, vector) VALUES (?, ?, ?)'),
      scan: scoped(
        db,
        (filter) =>
          `SELECT v.event_id AS id, v.vector FROM memory_event_vectors v JOIN memory_events e ON e.id = v.event_id
           WHERE v.embedder = @embedder AND ${filter} AND ${NOT_RECALL}`,
      ),
      count: db.prepare('SELECT COUNT(*) AS n FROM memory_event_vectors WHERE embedder = ?'),
    };
  }

  /** Forget vectors made by any other embedder: they cannot be compared with this one's. */
  keepOnly(embedderId: string): number {
    return this.s.dropOthers.run(embedderId).changes;
  }

  /** Events after `afterId` that should have a vector and have none yet, oldest first. */
  missing(limit: number, afterId = 0): Array<{ id: number; text: string }> {
    return this.s.missing.all(afterId, limit) as Array<{ id: number; text: string }>;
  }

  put(embedderId: string, rows: ReadonlyArray<{ eventId: number; vector: Float32Array }>): void {
    this.db.transaction(() => {
      for (const row of rows) this.s.put.run(row.eventId, embedderId, toBlob(row.vector));
    })();
  }

  /** Every vector in scope (events of memory look-ups and of `excludeTaskId` left out), read lazily. */
  *scan(embedderId: string, scope: EventScope, excludeTaskId = -1): IterableIterator<{ id: number; vector: Float32Array }> {
    const statement = scope ? this.s.scan.own : this.s.scan.all;
    for (const row of statement.iterate({ ...scopeParams(scope), embedder: embedderId, excludeTask: excludeTaskId }) as IterableIterator<{
      id: number;
      vector: Buffer;
    }>) {
      yield { id: row.id, vector: fromBlob(row.vector) };
    }
  }

  count(embedderId: string): number {
    return (this.s.count.get(embedderId) as { n: number }).n;
  }
}

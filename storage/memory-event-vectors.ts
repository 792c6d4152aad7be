import { mkdirSync } from 'node:fs';
import type { Connection, Table } from '@lancedb/lancedb';
import type { EventScope } from './memory-events.js';

export interface EventVectorRow {
  eventId: number;
  taskId: number | null;
  platform: string | null;
  userId: string | null;
  vector: Float32Array;
}

export interface EventNeighbour {
  eventId: number;
  taskId: number | null;
  /** 1 - dot distance: the cosine of unit vectors. */
  similarity: number;
}

const TABLE = 'memory_events';
const EMBEDDER_KEY = 'pie-brain.embedder';
const COMPACT_EVERY = 20;

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The vectors of the memory event log in LanceDB ($PIE_BRAIN_HOME/vectors, beside the notes' table), one row
 * per event with whose it is, searched by dot product (the vectors are unit length). Derived data: the table
 * of another embedding model is dropped and built again from the log. Nothing loads until the first call.
 */
export class MemoryEventVectors {
  private connection: Connection | undefined;
  private table: Table | undefined;
  private embedderId: string | undefined;
  private writes = 0;

  constructor(private readonly dir: string) {}

  /**
   * Open the table for this embedder. False when it holds nothing of it (new, or made by another model and
   * dropped): the caller embeds the whole log again.
   */
  async open(embedderId: string): Promise<boolean> {
    if (this.embedderId === embedderId && this.connection) return this.table !== undefined;
    await this.close();
    mkdirSync(this.dir, { recursive: true });
    const lancedb = await import('@lancedb/lancedb');
    this.connection = await lancedb.connect(this.dir);
    this.embedderId = embedderId;
    if (!(await this.connection.tableNames()).includes(TABLE)) return false;
    const table = await this.connection.openTable(TABLE);
    if ((await table.schema()).metadata.get(EMBEDDER_KEY) === embedderId) {
      this.table = table;
      return true;
    }
    table.close();
    await this.connection.dropTable(TABLE);
    return false;
  }

  /** Add (or replace) the vectors of events. */
  async add(rows: readonly EventVectorRow[]): Promise<void> {
    if (rows.length === 0) return;
    const data = rows.map((row) => ({
      event_id: row.eventId,
      task_id: row.taskId,
      platform: row.platform,
      user_id: row.userId,
      vector: row.vector,
    }));
    const table = this.table ?? (await this.createTable(rows[0]?.vector.length ?? 0));
    await table.mergeInsert('event_id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    this.writes += 1;
    if (this.writes >= COMPACT_EVERY) await this.compact();
  }

  /** The `limit` nearest events in scope, best first. */
  async nearest(vector: Float32Array, scope: EventScope, limit: number): Promise<EventNeighbour[]> {
    if (!this.table) return [];
    let query = this.table.vectorSearch(vector).distanceType('dot').limit(limit);
    // A chat's events are not told apart here (the vectors keep no chat): the caller filters those candidates.
    if (scope) {
      query = query.where(
        scope.chatId === undefined
          ? `platform = ${quote(scope.platform)} AND user_id = ${quote(scope.userId)}`
          : `platform = ${quote(scope.platform)}`,
      );
    }
    const rows = (await query.select(['event_id', 'task_id', '_distance']).toArray()) as Array<{
      event_id: number;
      task_id: number | null;
      _distance: number;
    }>;
    return rows.map((row) => ({
      eventId: Number(row.event_id),
      taskId: row.task_id === null ? null : Number(row.task_id),
      similarity: 1 - row._distance,
    }));
  }

  /** Forget the vectors of events retention removed (their ids are below the log's oldest). */
  async deleteBelow(eventId: number): Promise<void> {
    if (!this.table) return;
    await this.table.delete(`event_id < ${Math.trunc(eventId)}`);
    this.writes += 1;
  }

  async count(): Promise<number> {
    return this.table ? this.table.countRows() : 0;
  }

  async close(): Promise<void> {
    this.table?.close();
    this.connection?.close();
    this.table = undefined;
    this.connection = undefined;
    this.embedderId = undefined;
  }

  private async createTable(dim: number): Promise<Table> {
    const { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } = await import('apache-arrow');
    const schema = new Schema(
      [
        new Field('event_id', new Int32(), false),
        new Field('task_id', new Int32(), true),
        new Field('platform', new Utf8(), true),
        new Field('user_id', new Utf8(), true),
        new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
      ],
      new Map([[EMBEDDER_KEY, this.embedderId ?? '']]),
    );
    this.table = await (this.connection as Connection).createEmptyTable(TABLE, schema, { mode: 'create' });
    return this.table;
  }

  private async compact(): Promise<void> {
    this.writes = 0;
    // One process owns this folder, so old versions can go at once.
    await this.table?.optimize({ cleanupOlderThan: new Date() }).catch(() => undefined);
  }
}

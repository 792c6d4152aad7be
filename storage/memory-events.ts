import type { Statement } from 'better-sqlite3';
import { type Db, relaxed } from './db.js';
import { rowReader } from './row-reader.js';

/** One thing that happened, as the memory event log stores it. */
export interface MemoryEvent {
  id: number;
  at: number;
  /** request, route, tool, reply, model-call, cloud-run, alert. */
  kind: string;
  taskId: number | null;
  platform: string | null;
  chatId: string | null;
  /** Whose event it is; null for pie-brain's own (alerts, scheduled work). */
  userId: string | null;
  /** What is shown and searched. */
  text: string;
  data: Record<string, unknown> | null;
  /** Part of a task that only read memory back: kept in the log, left out of searches. */
  recall: boolean;
}

/** An event to append: what it is, when, and (for a task) whose. */
export interface NewMemoryEvent {
  at: number;
  kind: string;
  taskId?: number | null;
  platform?: string | null;
  chatId?: string | null;
  userId?: string | null;
  text: string;
  data?: Record<string, unknown> | null;
  recall?: boolean;
}

/**
 * Whose events a reader sees: one user's (on one platform), that user's and everything said in one chat
 * (`chatId`), or everyone's (null: the command line, never a chat).
 */
export type EventScope = { platform: string; userId: string; chatId?: string } | null;

export interface FoundEvent extends MemoryEvent {
  /** The matching words marked with `*`. */
  snippet: string;
}

const fromRow = rowReader<MemoryEvent>({ flags: ['recall'], json: ['data'] });

/** Event kinds whose text means something to search by meaning (a route or a model call is bookkeeping). */
export const EMBEDDED_KINDS = ['request', 'tool', 'reply'] as const;

/** An event whose text is to be embedded, with whose it is. */
export interface TextEvent {
  id: number;
  taskId: number | null;
  platform: string | null;
  userId: string | null;
  text: string;
}

const COLUMNS = 'id, at, kind, task_id, platform, chat_id, user_id, text, data, recall';
const OWN = 'e.platform = @platform AND e.user_id = @userId';
const OWN_OR_CHAT = 'e.platform = @platform AND (e.user_id = @userId OR e.chat_id = @chatId)';
// Events of a task that read memory back (a search, a log) would echo earlier results into later searches.
const NOT_RECALL = `(e.task_id IS NULL OR (e.task_id != @excludeTask AND NOT EXISTS (
  SELECT 1 FROM memory_events r WHERE r.recall = 1 AND r.task_id = e.task_id)))`;

interface Scoped {
  all: Statement;
  own: Statement;
  ownOrChat: Statement;
}

/** The variants of a scoped statement: everyone's events, one user's (which can use its index), or a user's and a chat's. */
function scoped(db: Db, sql: (filter: string) => string): Scoped {
  return { all: db.prepare(sql('1 = 1')), own: db.prepare(sql(OWN)), ownOrChat: db.prepare(sql(OWN_OR_CHAT)) };
}

function inScope(statements: Scoped, scope: EventScope): { statement: Statement; params: Record<string, string> } {
  if (!scope) return { statement: statements.all, params: {} };
  const own = { platform: scope.platform, userId: scope.userId };
  return scope.chatId === undefined
    ? { statement: statements.own, params: own }
    : { statement: statements.ownOrChat, params: { ...own, chatId: scope.chatId } };
}

/**
 * The memory event log in SQLite: append-only (a trigger refuses updates), searched with FTS5, pruned only
 * by retention. Appends skip their own fsync: the next durable commit (an intake, a receipt) carries them.
 */
export class MemoryEventStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO memory_events (at, kind, task_id, platform, chat_id, user_id, text, data, recall)
         VALUES (@at, @kind, @taskId, @platform, @chatId, @userId, @text, @data, @recall)`,
      ),
      restore: db.prepare(
        `INSERT INTO memory_events (id, at, kind, task_id, platform, chat_id, user_id, text, data, recall)
         VALUES (@id, @at, @kind, @taskId, @platform, @chatId, @userId, @text, @data, @recall)`,
      ),
      recent: scoped(db, (filter) => `SELECT ${COLUMNS} FROM memory_events e WHERE ${filter} ORDER BY id DESC LIMIT @limit`),
      find: scoped(
        db,
        (filter) =>
          `SELECT e.*, snippet(memory_events_fts, 0, '*', '*', '…', 24) AS snippet
           FROM memory_events_fts JOIN memory_events e ON e.id = memory_events_fts.rowid
           WHERE memory_events_fts MATCH @match AND ${filter} AND ${NOT_RECALL}
           ORDER BY memory_events_fts.rank, e.id DESC LIMIT @limit`,
      ),
      byId: db.prepare(`SELECT ${COLUMNS} FROM memory_events WHERE id = ?`),
      textAfter: db.prepare(
        `SELECT id, task_id AS taskId, platform, user_id AS userId, text FROM memory_events
         WHERE id > ? AND kind IN (${EMBEDDED_KINDS.map((kind) => `'${kind}'`).join(', ')}) AND recall = 0 ORDER BY id LIMIT ?`,
      ),
      searchable: scoped(
        db,
        (filter) => `SELECT e.id FROM memory_events e WHERE e.id IN (SELECT value FROM json_each(@ids)) AND ${filter} AND ${NOT_RECALL}`,
      ),
      bounds: db.prepare('SELECT MIN(id) AS first, MAX(id) AS last FROM memory_events'),
      count: db.prepare('SELECT COUNT(*) AS n FROM memory_events'),
      since: db.prepare(`SELECT ${COLUMNS} FROM memory_events WHERE at >= ? ORDER BY id`),
      countSince: db.prepare('SELECT COUNT(*) AS n FROM memory_events WHERE at >= ?'),
      prune: db.prepare('DELETE FROM memory_events WHERE at < ?'),
      raiseTaskFloor: db.prepare(
        `INSERT INTO id_floor (name, id) VALUES ('tasks', ?) ON CONFLICT (name) DO UPDATE SET id = MAX(id, excluded.id)`,
      ),
    };
  }

  /** Add one event; returns its id. */
  append(event: NewMemoryEvent): number {
    return relaxed(this.db, () => Number(this.s.insert.run(this.toParams(event)).lastInsertRowid));
  }

  /** The newest `limit` events in scope, newest first. */
  recent(scope: EventScope, limit: number): MemoryEvent[] {
    const { statement, params } = inScope(this.s.recent, scope);
    return (statement.all({ ...params, limit }) as unknown[]).map(fromRow);
  }

  /** Full-text search (an FTS5 query, see core/memory-log/fts-query.ts), best match first. */
  find(scope: EventScope, match: string, options: { limit: number; excludeTaskId?: number }): FoundEvent[] {
    const { statement, params } = inScope(this.s.find, scope);
    const rows = statement.all({ ...params, match, limit: options.limit, excludeTask: options.excludeTaskId ?? -1 }) as Array<{
      snippet: string;
    }>;
    return rows.map((row) => ({ ...fromRow(row), snippet: row.snippet }));
  }

  get(id: number): MemoryEvent | undefined {
    const row = this.s.byId.get(id) as unknown;
    return row ? fromRow(row) : undefined;
  }

  /** Events after `afterId` whose text is searched by meaning (not those that only repeat memory), oldest first. */
  textEventsAfter(afterId: number, limit: number): TextEvent[] {
    return this.s.textAfter.all(afterId, limit) as TextEvent[];
  }

  /** Of these ids, the events in scope a search may show: not part of a memory look-up, not of `excludeTaskId`. */
  searchable(ids: readonly number[], scope: EventScope, excludeTaskId = -1): Set<number> {
    const { statement, params } = inScope(this.s.searchable, scope);
    const rows = statement.all({ ...params, ids: JSON.stringify(ids), excludeTask: excludeTaskId }) as Array<{ id: number }>;
    return new Set(rows.map((row) => row.id));
  }

  /** The oldest and newest event ids (0 when the log is empty). */
  bounds(): { first: number; last: number } {
    const row = this.s.bounds.get() as { first: number | null; last: number | null };
    return { first: row.first ?? 0, last: row.last ?? 0 };
  }

  count(since?: number): number {
    return since === undefined ? (this.s.count.get() as { n: number }).n : (this.s.countSince.get(since) as { n: number }).n;
  }

  /** Every event from `since` on, oldest first, read lazily (a snapshot streams them to a file). */
  iterate(since = Number.MIN_SAFE_INTEGER): IterableIterator<MemoryEvent> {
    const rows = this.s.since.iterate(since) as IterableIterator<unknown>;
    return (function* () {
      for (const row of rows) yield fromRow(row);
    })();
  }

  /**
   * Put events back with their own ids (a restore onto a fresh data dir), all or none. New tasks are numbered
   * after the highest task the events name, so a task id never stands for two tasks in the log.
   */
  restore(events: readonly MemoryEvent[]): number {
    return this.db
      .transaction(() => {
        for (const event of events) this.s.restore.run({ ...this.toParams(event), id: event.id });
        const lastTask = Math.max(0, ...events.map((event) => event.taskId ?? 0));
        this.s.raiseTaskFloor.run(lastTask);
        return events.length;
      })
      .immediate();
  }

  /** Retention: delete events older than `before` (their vectors go at the next search by meaning). */
  prune(before: number): number {
    return this.s.prune.run(before).changes;
  }

  private toParams(event: NewMemoryEvent) {
    return {
      at: event.at,
      kind: event.kind,
      taskId: event.taskId ?? null,
      platform: event.platform ?? null,
      chatId: event.chatId ?? null,
      userId: event.userId ?? null,
      text: event.text,
      data: event.data ? JSON.stringify(event.data) : null,
      recall: event.recall ? 1 : 0,
    };
  }
}

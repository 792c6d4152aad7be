import type { Statement, Transaction } from 'better-sqlite3';
import { type Db, nextIdSql, relaxed } from './db.js';

/** Where a stored reply goes. Storage keeps its own plain shape so it never depends on core. */
export interface StoredAddress {
  platform: string;
  chatId: string;
  threadId?: string | undefined;
  replyTo?: string | undefined;
}

export type OutboxKind = 'reply' | 'progress' | 'alert' | 'post' | 'refusal';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface OutboxItem {
  taskId?: number | null;
  address: StoredAddress;
  /** JSON-serialisable reply body. */
  body: unknown;
  kind?: OutboxKind;
  /** Same key twice is one row: how jobs and refusals stay idempotent. */
  dedupeKey?: string;
}

export interface OutboxRow {
  id: number;
  taskId: number | null;
  address: StoredAddress;
  body: unknown;
  kind: OutboxKind;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  receipt: string | null;
  dedupeKey: string | null;
  lastError: string | null;
  resentAfterCrash: boolean;
  /** Parts of a long reply already on the platform: a retry or a restart sends the rest. */
  partsSent: number;
  createdAt: number;
  sentAt: number | null;
}

/** Replies waiting to be sent, with the platform's message id kept as receipt once they are. */
export interface Outbox {
  add(item: OutboxItem, now: number): { id: number; created: boolean };
  /**
   * Take up to `limit` due rows, at most one per chat (each chat's oldest, the chats in the order of those
   * rows: round robin, so one chat's backlog never holds up another), and mark them sending. Rows of chats
   * in `busyChats` (keys from `chatKey`), and rows of platforms not in `platforms` when it is given (those
   * with no adapter yet), stay pending.
   */
  claimDue(now: number, limit: number, busyChats?: ReadonlySet<string>, platforms?: ReadonlySet<string>): OutboxRow[];
  /** One more part of a long reply reached the platform (its id is the receipt so far). */
  markPartSent(id: number, partsSent: number, receipt: string): void;
  markSent(id: number, receipt: string, now: number): void;
  /** Schedule another try at `retryAt`, or give up for good when it is null. */
  markFailed(id: number, error: string, retryAt: number | null, now: number): void;
  /**
   * Rows left "sending" by a crash go back to pending, due at once; they may reach the platform a second
   * time. Rows written by a process whose wall clock was ahead of `now` (a Pi corrects its clock after
   * boot) are due at once too, rather than waiting for the clock to catch up.
   */
  recoverInterrupted(now: number): OutboxRow[];
  /** The earliest retry time of a pending row, only counting rows due after `after` when it is given. */
  nextDueAt(after?: number): number | undefined;
  get(id: number): OutboxRow | undefined;
  forTask(taskId: number): OutboxRow[];
  counts(): Record<OutboxStatus, number>;
}

/**
 * A task's replies, for SQL that binds the task id twice: a task keeps `outbox_from` (the next outbox id when
 * it was queued, OUTBOX_FROM), and its replies all came later, so the walk starts there; there is no index
 * of replies by task for every reply to write. A task retention pruned is looked for from the start.
 */
export const OF_TASK = 'id >= IFNULL((SELECT outbox_from FROM tasks WHERE id = ?), 0) AND task_id = ?';

/** SQL for a new task's outbox_from: no outbox id handed out later is below it. */
export const OUTBOX_FROM = '(SELECT IFNULL(MAX(id), 0) + 1 FROM outbox)';

export function chatKey(address: StoredAddress): string {
  return `${address.platform}\u0000${address.chatId}`;
}

// Outbox rows are read as arrays, these columns in this order (statements in raw mode): building an object per
// row column by column costs more in better-sqlite3 than reading the row.
const COLUMNS = `id, task_id, platform, chat_id, thread_id, reply_to, body, kind, status, attempts, next_attempt_at, receipt,
  dedupe_key, last_error, resent_after_crash, parts_sent, created_at, sent_at`;

type Row = [
  id: number,
  taskId: number | null,
  platform: string,
  chatId: string,
  threadId: string | null,
  replyTo: string | null,
  body: string,
  kind: OutboxKind,
  status: OutboxStatus,
  attempts: number,
  nextAttemptAt: number,
  receipt: string | null,
  dedupeKey: string | null,
  lastError: string | null,
  resentAfterCrash: number,
  partsSent: number,
  createdAt: number,
  sentAt: number | null,
];

function fromRow(row: Row): OutboxRow {
  return {
    id: row[0],
    taskId: row[1],
    address: { platform: row[2], chatId: row[3], threadId: row[4] ?? undefined, replyTo: row[5] ?? undefined },
    body: JSON.parse(row[6]),
    kind: row[7],
    status: row[8],
    attempts: row[9],
    nextAttemptAt: row[10],
    receipt: row[11],
    dedupeKey: row[12],
    lastError: row[13],
    resentAfterCrash: row[14] === 1,
    partsSent: row[15],
    createdAt: row[16],
    sentAt: row[17],
  };
}

/** What every way of adding an outbox row to a database shares: its statements, guard and listeners. */
interface AddState {
  insert: Statement;
  byKey: Statement;
  guard: OutboxBodyGuard | undefined;
  listeners: Set<() => void>;
}

const addStates = new WeakMap<Db, AddState>();

function addState(db: Db): AddState {
  let state = addStates.get(db);
  if (!state) {
    state = {
      insert: db.prepare(
        `INSERT INTO outbox (id, task_id, platform, chat_id, thread_id, reply_to, body, kind, dedupe_key, next_attempt_at, created_at)
         VALUES (${nextIdSql('outbox')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      byKey: db.prepare('SELECT id FROM outbox WHERE dedupe_key = ?'),
      guard: undefined,
      listeners: new Set(),
    };
    addStates.set(db, state);
  }
  return state;
}

/** Rewrites a body before it is stored (returns the body to keep); `taskId` is the task it answers, if any. */
export type OutboxBodyGuard = (body: unknown, taskId: number | null) => unknown;

/**
 * Pass every body added to this database's outbox through `guard` before it is written, however it was
 * added: what the guard removes never reaches the disk. One guard per database; returns the undo.
 */
export function guardOutbox(db: Db, guard: OutboxBodyGuard): () => void {
  const state = addState(db);
  state.guard = guard;
  return () => {
    if (state.guard === guard) state.guard = undefined;
  };
}

/**
 * Call `listener` after every row added to this database's outbox, however it was added (an alert, a
 * digest post, a reply written with its task's completion): delivery wakes by itself. Returns the undo.
 */
export function onOutboxAdded(db: Db, listener: () => void): () => void {
  const { listeners } = addState(db);
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Insert one outbox row; shared with the task queue, which adds a reply in the same transaction (and names
 * its task as `taskId`, which wins over the item's).
 */
export function insertOutboxRow(db: Db, item: OutboxItem, now: number, taskId = item.taskId ?? null): { id: number; created: boolean } {
  const state = addState(db);
  // A row that already exists keeps its body: the guard looks only at what will be written.
  const existing = item.dedupeKey === undefined ? undefined : (state.byKey.get(item.dedupeKey) as { id: number } | undefined);
  if (existing) return { id: existing.id, created: false };
  const body = state.guard ? state.guard(item.body, taskId) : item.body;
  const info = state.insert.run(
    taskId,
    item.address.platform,
    item.address.chatId,
    item.address.threadId ?? null,
    item.address.replyTo ?? null,
    JSON.stringify(body),
    item.kind ?? 'reply',
    item.dedupeKey ?? null,
    now,
    now,
  );
  if (info.changes === 1) {
    for (const listener of state.listeners) listener();
    return { id: Number(info.lastInsertRowid), created: true };
  }
  const raced = state.byKey.get(item.dedupeKey ?? null) as { id: number } | undefined;
  if (!raced) throw new Error('outbox insert was ignored without a dedupe key');
  return { id: raced.id, created: false };
}

/** Keys framed by \u0001 on both sides: how the claim statement is given busy chats and platforms. */
function framed(keys: Iterable<string>): string {
  let text = '';
  for (const key of keys) text += `\u0001${key}\u0001`;
  return text;
}

export class SqliteOutbox implements Outbox {
  private readonly statements;
  // Replies name their task without a foreign key (see OF_TASK): a reply added here is refused unless its
  // task exists; the queue adds replies in the transaction that just changed their task's row.
  private readonly addForTask: Transaction<(item: OutboxItem, now: number) => { id: number; created: boolean }>;
  private readonly takeMore: Transaction<(now: number, limit: number, busy: string, platforms: string | null) => OutboxRow[]>;

  constructor(private readonly db: Db) {
    const taskExists = db.prepare('SELECT 1 FROM tasks WHERE id = ?').pluck();
    this.addForTask = db.transaction((item: OutboxItem, now: number) => {
      if (taskExists.get(item.taskId) === undefined) throw new Error(`an outbox row names a task that does not exist (${item.taskId})`);
      return insertOutboxRow(db, item, now);
    });
    this.takeMore = db.transaction((now: number, limit: number, busy: string, platforms: string | null) => {
      const taken: OutboxRow[] = [];
      let skip = busy;
      while (taken.length < limit) {
        const row = this.statements.takeOldest.get(now, skip, platforms, platforms) as Row | undefined;
        if (!row) break;
        taken.push(fromRow(row));
        skip += framed([chatKey({ platform: row[2], chatId: row[3] })]);
      }
      return taken;
    });
    // Round robin over chats: the oldest due row of a chat that is not busy, on a platform that can be sent
    // to, is the head of the chat whose turn it is, so a chat with a long backlog (a stranger's flood, a big
    // digest) never holds up the others. The partial index holds only pending rows, by chat: finding that
    // row walks it once, and taking it is the same statement. Busy chats and accepted platforms come as
    // strings of framed keys; a chat id with control characters in it could at worst make another chat wait
    // for its turn, never send a row twice.
    const oldestDue = (row: string) => `SELECT MIN(${row}.id) FROM outbox AS ${row} INDEXED BY outbox_pending_chat
      WHERE ${row}.status = 'pending' AND ${row}.next_attempt_at <= ?
        AND instr(?, char(1) || ${row}.platform || char(0) || ${row}.chat_id || char(1)) = 0
        AND (? IS NULL OR instr(?, char(1) || ${row}.platform || char(1)) > 0)`;
    const take = (more: string) =>
      db
        .prepare(
          `UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = (${oldestDue('head')}) RETURNING ${COLUMNS}${more}`,
        )
        .raw();
    this.statements = {
      takeOldest: take(''),
      // The same, saying also whether another chat has a row due: a caller with room for more asks again
      // only then.
      takeOldestAndPeek: take(`, (${oldestDue('next')} AND NOT (next.platform = outbox.platform AND next.chat_id = outbox.chat_id))`),
      markPartSent: db.prepare(`UPDATE outbox SET parts_sent = ?, receipt = ? WHERE id = ?`),
      markSent: db.prepare(`UPDATE outbox SET status = 'sent', receipt = ?, sent_at = ?, last_error = NULL WHERE id = ?`),
      markFailed: db.prepare(`UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`),
      interrupted: db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE status = 'sending' ORDER BY id`).raw(),
      recover: db.prepare(
        `UPDATE outbox SET status = 'pending', resent_after_crash = 1, next_attempt_at = MIN(next_attempt_at, ?) WHERE status = 'sending'`,
      ),
      fromAhead: db.prepare(
        `UPDATE outbox INDEXED BY outbox_pending_chat SET next_attempt_at = ? WHERE status = 'pending' AND created_at > ? AND next_attempt_at > ?`,
      ),
      nextDue: db.prepare(
        `SELECT MIN(next_attempt_at) AS at FROM outbox INDEXED BY outbox_pending_chat WHERE status = 'pending' AND next_attempt_at > ?`,
      ),
      get: db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE id = ?`).raw(),
      forTask: db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE ${OF_TASK} ORDER BY id`).raw(),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status'),
    };
  }

  add(item: OutboxItem, now: number): { id: number; created: boolean } {
    return item.taskId === undefined || item.taskId === null ? insertOutboxRow(this.db, item, now) : this.addForTask.immediate(item, now);
  }

  claimDue(now: number, limit: number, busyChats?: ReadonlySet<string>, platforms?: ReadonlySet<string>): OutboxRow[] {
    if (limit < 1) return [];
    const busy = busyChats ? framed(busyChats) : '';
    const accepted = platforms ? framed(platforms) : null;
    // Marking "sending" only counts possible duplicates after a crash: it needs no fsync of its own. One row
    // is one statement, atomic on its own; the rows after it are one transaction, so their pages are written
    // once.
    return relaxed(this.db, () => {
      if (limit === 1) {
        const row = this.statements.takeOldest.get(now, busy, accepted, accepted) as Row | undefined;
        return row ? [fromRow(row)] : [];
      }
      const first = this.statements.takeOldestAndPeek.get(now, busy, accepted, accepted, now, busy, accepted, accepted) as
        | [...Row, next: number | null]
        | undefined;
      if (!first) return [];
      const row = fromRow(first as unknown as Row);
      if (first[18] === null) return [row];
      return [row, ...this.takeMore.immediate(now, limit - 1, busy + framed([chatKey(row.address)]), accepted)];
    });
  }

  markPartSent(id: number, partsSent: number, receipt: string): void {
    this.statements.markPartSent.run(partsSent, receipt, id);
  }

  markSent(id: number, receipt: string, now: number): void {
    // The receipt is the trace's "reply-sent" step too (the task queue reads it from here): one write.
    this.statements.markSent.run(receipt, now, id);
  }

  markFailed(id: number, error: string, retryAt: number | null, now: number): void {
    this.statements.markFailed.run(retryAt === null ? 'failed' : 'pending', retryAt ?? now, error.slice(0, 2000), id);
  }

  recoverInterrupted(now: number): OutboxRow[] {
    return this.db.transaction(() => {
      const rows = (this.statements.interrupted.all() as Row[]).map(fromRow);
      this.statements.recover.run(now);
      this.statements.fromAhead.run(now, now, now);
      return rows;
    })();
  }

  nextDueAt(after = Number.NEGATIVE_INFINITY): number | undefined {
    const row = this.statements.nextDue.get(after) as { at: number | null };
    return row.at ?? undefined;
  }

  get(id: number): OutboxRow | undefined {
    const row = this.statements.get.get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  forTask(taskId: number): OutboxRow[] {
    return (this.statements.forTask.all(taskId, taskId) as Row[]).map(fromRow);
  }

  counts(): Record<OutboxStatus, number> {
    const result: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    for (const row of this.statements.counts.all() as Array<{ status: OutboxStatus; n: number }>) result[row.status] = row.n;
    return result;
  }
}

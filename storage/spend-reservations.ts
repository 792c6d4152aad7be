import type { Db } from './db.js';
import { rowReader } from './row-reader.js';

export type ReservationStatus = 'held' | 'settled' | 'released' | 'expired';

export interface NewReservation {
  id: string;
  taskId: number | null;
  provider: string;
  model: string | null;
  purpose: string;
  capUsd: number;
  createdAt: number;
  expiresAt: number;
  /** `platform:userId` of a user who spends within a share of the budget; null for admins and jobs. */
  userKey?: string | null;
}

export interface ReservationRow extends NewReservation {
  status: ReservationStatus;
  actualUsd: number | null;
  settledAt: number | null;
}

const fromRow = rowReader<ReservationRow>();

/**
 * Money set aside for paid calls in flight. Budgets count the ledger (what was spent) plus what is held
 * here, so a call that is still running already counts against the cap.
 */
export class SpendReservationStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO spend_reservations (id, task_id, provider, model, purpose, cap_usd, status, created_at, expires_at, user_key)
         VALUES (?, ?, ?, ?, ?, ?, 'held', ?, ?, ?)`,
      ),
      held: db.prepare(
        `SELECT COALESCE(SUM(cap_usd), 0) AS total FROM spend_reservations
         WHERE status = 'held' AND created_at >= ? AND created_at < ?`,
      ),
      finish: db.prepare(`UPDATE spend_reservations SET status = ?, actual_usd = ?, settled_at = ? WHERE id = ? AND status = 'held'`),
      expire: db.prepare(`UPDATE spend_reservations SET status = 'expired', settled_at = ? WHERE status = 'held' AND expires_at <= ?`),
      listHeld: db.prepare(`SELECT * FROM spend_reservations WHERE status = 'held' ORDER BY created_at`),
      get: db.prepare('SELECT * FROM spend_reservations WHERE id = ?'),
      // A user's spend in a period: what their settled calls cost, and what their calls in flight may cost.
      userSpent: db.prepare(
        `SELECT COALESCE(SUM(CASE status WHEN 'held' THEN cap_usd WHEN 'settled' THEN COALESCE(actual_usd, 0) ELSE 0 END), 0) AS total
         FROM spend_reservations WHERE user_key = ? AND created_at >= ? AND created_at < ?`,
      ),
    };
  }

  /** Run `work` holding SQLite's write lock from the first statement (BEGIN IMMEDIATE): checks and inserts are atomic. */
  /** What one user's paid calls cost in [start, end): settled calls at their cost, calls in flight at their cap. */
  userSpent(userKey: string, start: number, end: number): number {
    return (this.s.userSpent.get(userKey, start, end) as { total: number }).total;
  }

  exclusively<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  insert(reservation: NewReservation): void {
    const r = reservation;
    this.s.insert.run(r.id, r.taskId, r.provider, r.model, r.purpose, r.capUsd, r.createdAt, r.expiresAt, r.userKey ?? null);
  }

  /** Sum of caps still held that were reserved in [from, to). */
  heldBetween(from: number, to: number): number {
    return (this.s.held.get(from, to) as { total: number }).total;
  }

  settle(id: string, actualUsd: number, now: number): boolean {
    return this.s.finish.run('settled', actualUsd, now, id).changes > 0;
  }

  release(id: string, now: number): boolean {
    return this.s.finish.run('released', null, now, id).changes > 0;
  }

  /** Holds of calls that never settled (a crash): they stop counting once they expire. */
  expire(now: number): number {
    return this.s.expire.run(now, now).changes;
  }

  held(): ReservationRow[] {
    return (this.s.listHeld.all() as unknown[]).map(fromRow);
  }

  get(id: string): ReservationRow | undefined {
    const row = this.s.get.get(id) as unknown;
    return row ? fromRow(row) : undefined;
  }
}

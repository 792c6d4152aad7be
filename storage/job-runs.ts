import type { Db } from './db.js';
import { rowReader } from './row-reader.js';

export type JobRunStatus = 'running' | 'ok' | 'failed' | 'skipped';

export interface JobRun {
  id: number;
  job: string;
  scheduledFor: number;
  startedAt: number;
  finishedAt: number | null;
  status: JobRunStatus;
  caughtUp: boolean;
  error: string | null;
  detail: string | null;
}

const fromRow = rowReader<JobRun>({ flags: ['caughtUp'] });

/** Every run of every scheduled job: start, end, status, error. */
export class JobRunStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      start: db.prepare(`INSERT INTO job_runs (job, scheduled_for, started_at, status, caught_up, detail) VALUES (?, ?, ?, ?, ?, ?)`),
      finish: db.prepare(`UPDATE job_runs SET finished_at = ?, status = ?, error = ?, detail = COALESCE(?, detail) WHERE id = ?`),
      last: db.prepare(`SELECT * FROM job_runs WHERE job = ? ORDER BY scheduled_for DESC, id DESC LIMIT 1`),
      forSlot: db.prepare(`SELECT * FROM job_runs WHERE job = ? AND scheduled_for = ? ORDER BY id DESC LIMIT 1`),
      recent: db.prepare(`SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT ?`),
      interrupted: db.prepare(
        `UPDATE job_runs SET status = 'failed', error = 'interrupted by a restart', finished_at = ? WHERE status = 'running'`,
      ),
    };
  }

  start(
    job: string,
    scheduledFor: number,
    now: number,
    options: { caughtUp?: boolean; status?: JobRunStatus; detail?: string } = {},
  ): number {
    const info = this.s.start.run(job, scheduledFor, now, options.status ?? 'running', options.caughtUp ? 1 : 0, options.detail ?? null);
    return Number(info.lastInsertRowid);
  }

  finish(id: number, status: Exclude<JobRunStatus, 'running'>, now: number, error?: string, detail?: string): void {
    this.s.finish.run(now, status, error ?? null, detail ?? null, id);
  }

  last(job: string): JobRun | undefined {
    const row = this.s.last.get(job) as unknown;
    return row ? fromRow(row) : undefined;
  }

  forSlot(job: string, scheduledFor: number): JobRun | undefined {
    const row = this.s.forSlot.get(job, scheduledFor) as unknown;
    return row ? fromRow(row) : undefined;
  }

  recent(job: string, limit: number): JobRun[] {
    return (this.s.recent.all(job, limit) as unknown[]).map(fromRow);
  }

  /** Runs a crash left "running" failed; returns how many. */
  failInterrupted(now: number): number {
    return this.s.interrupted.run(now).changes;
  }
}

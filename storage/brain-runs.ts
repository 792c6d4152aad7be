import type { Db } from './db.js';
import { rowReader } from './row-reader.js';

export type BrainRunStatus = 'starting' | 'running' | 'ended';
/**
 * ok and error are answers; unavailable leads to the next brain; lost: it never got going (no process, no
 * output); timeout: it ran past its time limit and was stopped; capped: it reached what it may spend (its cap,
 * or the budget left) and was stopped.
 */
export type BrainRunOutcome = 'ok' | 'error' | 'unavailable' | 'cancelled' | 'timeout' | 'capped' | 'lost';

export interface NewBrainRun {
  taskId: number;
  /** 1 for the task's first brain, 2 for the next one after a failover, ... */
  seq: number;
  brain: string;
  cwd: string;
  runDir: string;
  /** platform, chat and thread: where the run answers. */
  threadKey: string;
  /** Who asked: a session is resumed only for the same user in the same thread. */
  userId?: string | null;
  /** The spend reservation the run holds until it is settled (found again after a restart). */
  reservationId?: string | null;
  /** The boot the process starts in (a run of another boot is gone). */
  bootId?: string | null;
  repo?: string | null;
  branch?: string | null;
  capUsd: number;
  /** Why the run was made (the route's reason): the ledger's purpose. */
  purpose?: string | null;
  startedAt: number;
}

export interface BrainRunRecord {
  id: number;
  taskId: number;
  seq: number;
  brain: string;
  status: BrainRunStatus;
  outcome: BrainRunOutcome | null;
  reason: string | null;
  pid: number | null;
  bootId: string | null;
  procStart: string | null;
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  cwd: string;
  runDir: string;
  threadKey: string;
  userId: string | null;
  reservationId: string | null;
  repo: string | null;
  branch: string | null;
  sessionId: string | null;
  capUsd: number;
  purpose: string | null;
  costUsd: number | null;
  /** The parsed result, JSON-serialisable (core's BrainResult). */
  result: unknown;
  settled: boolean;
  prUrl: string | null;
}

const fromRow = rowReader<BrainRunRecord>({ flags: ['settled'], json: ['result'] });

/**
 * Cloud brain runs: which process runs for which task, so that a restarted pie-brain finds them again.
 * A task has one row per brain it tried (seq 1, 2, ... in failover order).
 */
export class BrainRunStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO brain_runs (task_id, seq, brain, status, cwd, run_dir, thread_key, user_id, reservation_id, boot_id, repo, branch,
                                 cap_usd, purpose, started_at)
         VALUES (?, ?, ?, 'starting', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         RETURNING *`,
      ),
      running: db.prepare(`UPDATE brain_runs SET status = 'running', pid = ?, boot_id = ?, proc_start = ? WHERE id = ?`),
      end: db.prepare(
        `UPDATE brain_runs SET status = 'ended', outcome = ?, reason = ?, ended_at = ?, exit_code = ?, session_id = COALESCE(?, session_id),
                cost_usd = ?, result = ? WHERE id = ? AND status != 'ended'`,
      ),
      settle: db.prepare('UPDATE brain_runs SET settled = 1 WHERE id = ? AND settled = 0'),
      pr: db.prepare('UPDATE brain_runs SET pr_url = ? WHERE id = ?'),
      get: db.prepare('SELECT * FROM brain_runs WHERE id = ?'),
      forTask: db.prepare('SELECT * FROM brain_runs WHERE task_id = ? ORDER BY seq'),
      open: db.prepare(`SELECT * FROM brain_runs WHERE status != 'ended' ORDER BY id`),
      session: db.prepare(
        `SELECT * FROM brain_runs WHERE thread_key = ? AND user_id = ? AND brain = ? AND cwd = ? AND session_id IS NOT NULL
                AND outcome = 'ok' AND started_at >= ? ORDER BY id DESC LIMIT 1`,
      ),
    };
  }

  /** A new run of a task; (task, seq) is unique, so a second start of the same step fails loudly. */
  create(run: NewBrainRun): BrainRunRecord {
    const row = this.s.insert.get(
      run.taskId,
      run.seq,
      run.brain,
      run.cwd,
      run.runDir,
      run.threadKey,
      run.userId ?? null,
      run.reservationId ?? null,
      run.bootId ?? null,
      run.repo ?? null,
      run.branch ?? null,
      run.capUsd,
      run.purpose ?? null,
      run.startedAt,
    );
    return fromRow(row);
  }

  /** The run's process is known (pid null: it ended before anyone saw it, its files tell the rest). */
  markRunning(id: number, pid: number | null, bootId: string | null, procStart: string | null): void {
    this.s.running.run(pid, bootId, procStart, id);
  }

  /** Record how a run ended; false when it had already ended (another watcher got there first). */
  markEnded(
    id: number,
    end: {
      outcome: BrainRunOutcome;
      reason?: string | null;
      endedAt: number;
      exitCode?: number | null;
      sessionId?: string | null;
      costUsd?: number | null;
      result?: unknown;
    },
  ): boolean {
    return (
      this.s.end.run(
        end.outcome,
        end.reason ?? null,
        end.endedAt,
        end.exitCode ?? null,
        end.sessionId ?? null,
        end.costUsd ?? null,
        end.result === undefined ? null : JSON.stringify(end.result),
        id,
      ).changes === 1
    );
  }

  /**
   * Run `record` (the ledger entry) and mark the run settled in one transaction, once: false when it was
   * settled already, so a cost is never booked twice across restarts.
   */
  settleOnce(id: number, record: () => void): boolean {
    return this.db
      .transaction(() => {
        if (this.s.settle.run(id).changes !== 1) return false;
        record();
        return true;
      })
      .immediate();
  }

  setPrUrl(id: number, url: string): void {
    this.s.pr.run(url, id);
  }

  get(id: number): BrainRunRecord | undefined {
    const row = this.s.get.get(id) as unknown;
    return row ? fromRow(row) : undefined;
  }

  forTask(taskId: number): BrainRunRecord[] {
    return (this.s.forTask.all(taskId) as unknown[]).map(fromRow);
  }

  /** Runs not known to have ended: to watch again after a restart. */
  open(): BrainRunRecord[] {
    return (this.s.open.all() as unknown[]).map(fromRow);
  }

  /**
   * The latest good session of a brain for one user in a thread and working directory, newer than `since`:
   * someone else in the same chat never continues it.
   */
  latestSession(key: { threadKey: string; userId: string }, brain: string, cwd: string, since: number): BrainRunRecord | undefined {
    const row = this.s.session.get(key.threadKey, key.userId, brain, cwd, since) as unknown;
    return row ? fromRow(row) : undefined;
  }
}

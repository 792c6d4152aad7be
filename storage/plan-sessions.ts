import { type Db, relaxed } from './db.js';
import { FINAL_STATUSES, type TaskStatus } from './task-queue.js';

/**
 * pending: not reached yet; running: started and not settled (after a crash: cut short); refused: the user
 * lacks a privilege it needs; skipped: never run (the deadline came first); interrupted: cut short by a
 * restart and not repeated, because it may already have changed something.
 */
export type PlanStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'refused' | 'skipped' | 'interrupted';
/** running until every step is settled; then done (all steps done), partial (some) or failed (none). */
export type PlanStatus = 'running' | 'done' | 'partial' | 'failed';

export const SETTLED_STEP_STATUSES: readonly PlanStepStatus[] = ['done', 'failed', 'refused', 'skipped', 'interrupted'];

/** A note from memory the plan was made with. */
export interface PlanNote {
  title: string;
  path: string;
  similarity: number;
}

export interface NewPlanStep {
  /** What the step does, in a few words (the model's reason, or the part of the goal a rule matched). */
  title: string;
  toolName: string;
  params: Record<string, unknown>;
  handoff: boolean;
}

export interface NewPlanSession {
  taskId: number;
  platform: string;
  userId: string;
  goal: string;
  /** Who wrote the plan: model, model-repaired or rules. */
  source: string;
  /** Why the model's plan was not used, or what the plan leaves out. */
  problem?: string | null;
  context: readonly PlanNote[];
  steps: readonly NewPlanStep[];
}

/** What a settled step answered: its reply's text (bounded) and the images it carried. */
export interface PlanStepReply {
  text: string;
  attachments?: Array<{ kind: 'image'; path: string; caption?: string }>;
}

export interface PlanStepRecord extends NewPlanStep {
  index: number;
  status: PlanStepStatus;
  attempts: number;
  startedAt: number | null;
  endedAt: number | null;
  reply: PlanStepReply | null;
  error: string | null;
}

export interface PlanSessionRecord {
  id: number;
  taskId: number;
  platform: string;
  userId: string;
  goal: string;
  source: string;
  problem: string | null;
  context: PlanNote[];
  status: PlanStatus;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** The status of the plan's task: a plan still running whose task ended was stopped (cancelled, timed out, gave up). */
  taskStatus: TaskStatus | null;
  /** The chat the plan was asked in (null once its task is gone). */
  chatId: string | null;
  steps: PlanStepRecord[];
}

/**
 * Whose plans are read: one user's, one user's and every plan asked in one chat (`chatId`), or everybody's
 * (null).
 */
export type PlanOwner = { platform: string; userId: string; chatId?: string } | null;

interface SessionRow {
  id: number;
  task_id: number;
  platform: string;
  user_id: string;
  goal: string;
  source: string;
  problem: string | null;
  context: string;
  status: PlanStatus;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  task_status: TaskStatus | null;
  task_chat: string | null;
}

interface StepRow {
  session_id: number;
  idx: number;
  title: string;
  tool_name: string;
  params: string;
  handoff: number;
  status: PlanStepStatus;
  attempts: number;
  started_at: number | null;
  ended_at: number | null;
  reply: string | null;
  error: string | null;
}

// Bounds on what one step keeps: enough for the answer, small enough for an SD card.
const MAX_REPLY_CHARS = 4000;
const MAX_ERROR_CHARS = 1000;

function fromStepRow(row: StepRow): PlanStepRecord {
  return {
    index: row.idx,
    title: row.title,
    toolName: row.tool_name,
    params: JSON.parse(row.params) as Record<string, unknown>,
    handoff: row.handoff === 1,
    status: row.status,
    attempts: row.attempts,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    reply: row.reply ? (JSON.parse(row.reply) as PlanStepReply) : null,
    error: row.error,
  };
}

const SELECT_SESSION =
  'SELECT p.*, t.status AS task_status, t.chat_id AS task_chat FROM plan_sessions p LEFT JOIN tasks t ON t.id = p.task_id';

/** Whether a plan is really still going: one left running by a task that ended no longer is. */
export function planStopped(session: Pick<PlanSessionRecord, 'status' | 'taskStatus'>): boolean {
  return session.status === 'running' && (session.taskStatus === null || FINAL_STATUSES.includes(session.taskStatus));
}

/** /plan sessions and their steps (table plan_sessions, plan_steps). */
export class PlanSessionStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO plan_sessions (task_id, platform, user_id, goal, source, problem, context, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      insertStep: db.prepare('INSERT INTO plan_steps (session_id, idx, title, tool_name, params, handoff) VALUES (?, ?, ?, ?, ?, ?)'),
      byTask: db.prepare(`${SELECT_SESSION} WHERE p.task_id = ?`),
      byId: db.prepare(`${SELECT_SESSION} WHERE p.id = ?`),
      recentOf: db.prepare(`${SELECT_SESSION} WHERE p.platform = ? AND p.user_id = ? ORDER BY p.id DESC LIMIT ?`),
      recentAll: db.prepare(`${SELECT_SESSION} ORDER BY p.id DESC LIMIT ?`),
      recentOfOrChat: db.prepare(`${SELECT_SESSION} WHERE p.platform = ? AND (p.user_id = ? OR t.chat_id = ?) ORDER BY p.id DESC LIMIT ?`),
      steps: db.prepare('SELECT * FROM plan_steps WHERE session_id = ? ORDER BY idx'),
      start: db.prepare(
        `UPDATE plan_steps SET status = 'running', attempts = attempts + 1, started_at = ?, ended_at = NULL, error = NULL
         WHERE session_id = ? AND idx = ?`,
      ),
      settle: db.prepare('UPDATE plan_steps SET status = ?, ended_at = ?, reply = ?, error = ? WHERE session_id = ? AND idx = ?'),
      touch: db.prepare('UPDATE plan_sessions SET updated_at = ? WHERE id = ?'),
      finish: db.prepare('UPDATE plan_sessions SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?'),
    };
  }

  /**
   * A new plan with its steps, in one transaction: a task has at most one (a second create for it throws).
   * Without its own fsync: losing it to a power cut only makes the plan again, and the first step's durable
   * start record makes it durable too (WAL frames are written in order).
   */
  create(session: NewPlanSession, now: number): PlanSessionRecord {
    const id = relaxed(this.db, () =>
      this.db
        .transaction(() => {
          const row = this.s.insert.get(
            session.taskId,
            session.platform,
            session.userId,
            session.goal,
            session.source,
            session.problem ?? null,
            JSON.stringify(session.context),
            now,
            now,
          ) as { id: number };
          session.steps.forEach((step, index) => {
            this.s.insertStep.run(row.id, index, step.title, step.toolName, JSON.stringify(step.params), step.handoff ? 1 : 0);
          });
          return row.id;
        })
        .immediate(),
    );
    return this.get(id) as PlanSessionRecord;
  }

  forTask(taskId: number): PlanSessionRecord | undefined {
    return this.withSteps(this.s.byTask.get(taskId) as SessionRow | undefined);
  }

  get(id: number): PlanSessionRecord | undefined {
    return this.withSteps(this.s.byId.get(id) as SessionRow | undefined);
  }

  /** The latest plans, newest first: of one user, or everybody's. */
  recent(owner: PlanOwner, limit: number): PlanSessionRecord[] {
    const rows = (
      owner === null
        ? this.s.recentAll.all(limit)
        : owner.chatId === undefined
          ? this.s.recentOf.all(owner.platform, owner.userId, limit)
          : this.s.recentOfOrChat.all(owner.platform, owner.userId, owner.chatId, limit)
    ) as SessionRow[];
    return rows.map((row) => this.withSteps(row) as PlanSessionRecord);
  }

  /**
   * Recorded before a step runs, durably (the configured synchronous level): after a crash or a power cut, a
   * step still running is known to have been started, and one that may have changed something is not run twice.
   */
  startStep(sessionId: number, index: number, now: number): void {
    this.db
      .transaction(() => {
        this.s.start.run(now, sessionId, index);
        this.s.touch.run(now, sessionId);
      })
      .immediate();
  }

  /**
   * Recorded after a step ends (or when it is settled without running): a run of the task again skips it.
   * Without its own fsync: lost to a power cut, the step reads as cut short, which is never repeated unsafely,
   * and the next step's start record makes it durable anyway.
   */
  settleStep(
    sessionId: number,
    index: number,
    outcome: { status: Exclude<PlanStepStatus, 'pending' | 'running'>; reply?: PlanStepReply; error?: string },
    now: number,
  ): void {
    const reply = outcome.reply ? JSON.stringify({ ...outcome.reply, text: outcome.reply.text.slice(0, MAX_REPLY_CHARS) }) : null;
    relaxed(this.db, () =>
      this.db
        .transaction(() => {
          this.s.settle.run(outcome.status, now, reply, outcome.error?.slice(0, MAX_ERROR_CHARS) ?? null, sessionId, index);
          this.s.touch.run(now, sessionId);
        })
        .immediate(),
    );
  }

  /** The plan's outcome, without its own fsync: it is worked out again from its steps when lost. */
  finish(sessionId: number, status: Exclude<PlanStatus, 'running'>, now: number): void {
    relaxed(this.db, () => this.s.finish.run(status, now, now, sessionId));
  }

  private withSteps(row: SessionRow | undefined): PlanSessionRecord | undefined {
    if (!row) return undefined;
    return {
      id: row.id,
      taskId: row.task_id,
      platform: row.platform,
      userId: row.user_id,
      goal: row.goal,
      source: row.source,
      problem: row.problem,
      context: JSON.parse(row.context) as PlanNote[],
      status: row.status,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
      taskStatus: row.task_status,
      chatId: row.task_chat,
      steps: (this.s.steps.all(row.id) as StepRow[]).map(fromStepRow),
    };
  }
}

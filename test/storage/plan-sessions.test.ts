import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NewPlanSession, PlanSessionStore, planStopped } from '../../storage/plan-sessions.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { pruneFinished } from '../../storage/retention.js';
import { sqliteStore } from './sqlite-store.js';

let store: ReturnType<typeof sqliteStore>;
let plans: PlanSessionStore;
let queue: SqliteTaskQueue;

beforeEach(() => {
  store = sqliteStore();
  plans = new PlanSessionStore(store.db);
  queue = new SqliteTaskQueue(store.db);
});
afterEach(() => store.close());

let counter = 0;
function task(userId = 'owner', now = 1000): number {
  counter += 1;
  return queue.enqueue(
    { platform: 'fake', chatId: 'c', userId, userName: userId, platformMessageId: `m${counter}`, text: '/plan x', message: {} },
    now,
  ).taskId;
}

function session(taskId: number, userId = 'owner'): NewPlanSession {
  return {
    taskId,
    platform: 'fake',
    userId,
    goal: 'search my notes for RAG; then find papers on it',
    source: 'model',
    context: [{ title: 'RAG notes', path: '/brain/inbox/rag.md', similarity: 0.61 }],
    steps: [
      { title: 'search my notes', toolName: 'memory', params: { action: 'search', query: 'RAG' }, handoff: false },
      { title: 'find papers', toolName: 'arxiv', params: { mode: 'search', query: 'RAG' }, handoff: false },
    ],
  };
}

describe('plan sessions', () => {
  it('stores a plan with its steps, and each step before it runs and after it ends', () => {
    const taskId = task();
    const created = plans.create(session(taskId), 2000);
    expect(created).toMatchObject({
      taskId,
      status: 'running',
      source: 'model',
      problem: null,
      context: [{ title: 'RAG notes', path: '/brain/inbox/rag.md', similarity: 0.61 }],
      taskStatus: 'pending',
      createdAt: 2000,
      finishedAt: null,
    });
    expect(created.steps.map((s) => [s.index, s.toolName, s.status, s.attempts])).toEqual([
      [0, 'memory', 'pending', 0],
      [1, 'arxiv', 'pending', 0],
    ]);
    expect(created.steps[0]?.params).toEqual({ action: 'search', query: 'RAG' });

    plans.startStep(created.id, 0, 2100);
    expect(plans.forTask(taskId)?.steps[0]).toMatchObject({ status: 'running', attempts: 1, startedAt: 2100, endedAt: null });
    plans.settleStep(created.id, 0, { status: 'done', reply: { text: 'x'.repeat(5000) } }, 2200);
    plans.startStep(created.id, 1, 2300);
    plans.settleStep(created.id, 1, { status: 'refused', error: 'needs a right' }, 2400);
    plans.finish(created.id, 'partial', 2500);

    const after = plans.get(created.id);
    expect(after).toMatchObject({ status: 'partial', updatedAt: 2500, finishedAt: 2500 });
    expect(after?.steps[0]).toMatchObject({ status: 'done', endedAt: 2200, error: null });
    // A step keeps a bounded reply: enough for the answer, small on the SD card.
    expect(after?.steps[0]?.reply?.text).toHaveLength(4000);
    expect(after?.steps[1]).toMatchObject({ status: 'refused', error: 'needs a right', reply: null });
  });

  it('has one plan per task: a second one for the same task is refused', () => {
    const taskId = task();
    plans.create(session(taskId), 1);
    expect(() => plans.create(session(taskId), 2)).toThrow(/UNIQUE/);
    expect(plans.recent(null, 10)).toHaveLength(1);
  });

  it('lists the latest plans of one user, or of everybody, newest first', () => {
    const mine = [plans.create(session(task('owner')), 1), plans.create(session(task('owner')), 2)];
    const theirs = plans.create(session(task('friend'), 'friend'), 3);
    expect(plans.recent({ platform: 'fake', userId: 'owner' }, 10).map((p) => p.id)).toEqual([mine[1]?.id, mine[0]?.id]);
    expect(plans.recent({ platform: 'fake', userId: 'owner' }, 1).map((p) => p.id)).toEqual([mine[1]?.id]);
    expect(plans.recent({ platform: 'other', userId: 'owner' }, 10)).toEqual([]);
    expect(plans.recent(null, 10).map((p) => p.id)).toEqual([theirs.id, mine[1]?.id, mine[0]?.id]);
  });

  it('knows a plan left running by a task that ended was stopped', () => {
    const taskId = task();
    const created = plans.create(session(taskId), 1);
    expect(planStopped(created)).toBe(false);
    queue.cancel(taskId, 5, { address: { platform: 'fake', chatId: 'c' }, body: { text: 'cancelled' } });
    expect(plans.get(created.id)).toMatchObject({ status: 'running', taskStatus: 'cancelled' });
    expect(planStopped(plans.get(created.id) as NonNullable<ReturnType<PlanSessionStore['get']>>)).toBe(true);
  });

  it('goes with its task when retention prunes the task', () => {
    const old = task('owner', 1000);
    const kept = task('owner', 1000);
    plans.create(session(old), 1000);
    plans.create(session(kept), 1000);
    const claimed = queue.claim('w', 1000, 60_000);
    queue.complete(claimed?.id ?? 0, 'w', { status: 'done' }, 1000);
    expect(claimed?.id).toBe(old);
    const pruned = pruneFinished(store.db, 5000);
    expect(pruned.tasks).toBe(1);
    expect(plans.forTask(old)).toBeUndefined();
    expect(plans.forTask(kept)).toBeDefined();
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM plan_steps').get()).toEqual({ n: 2 });
  });
});

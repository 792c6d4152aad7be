import { describe, expect, it } from 'vitest';
import { BrainRunStore } from '../../storage/brain-runs.js';
import { openDatabase } from '../../storage/db.js';

function createStore() {
  const db = openDatabase(':memory:');
  return { db, store: new BrainRunStore(db) };
}

const base = {
  taskId: 5,
  brain: 'claude-code',
  cwd: '/repo',
  runDir: '/runs/5/1',
  threadKey: 'fake\u0000c\u0000t',
  userId: 'ann',
  capUsd: 2,
  startedAt: 1000,
};

describe('BrainRunStore', () => {
  it('keeps one row per (task, seq) and lists the runs that have not ended', () => {
    const { store } = createStore();
    const run = store.create({ ...base, seq: 1, purpose: '/handoff' });
    expect(run).toMatchObject({ status: 'starting', seq: 1, purpose: '/handoff', settled: false });
    expect(() => store.create({ ...base, seq: 1 })).toThrow(/UNIQUE/);
    store.markRunning(run.id, 4242, 'boot-1', '777');
    expect(store.open().map((r) => [r.id, r.status, r.pid, r.bootId, r.procStart])).toEqual([[run.id, 'running', 4242, 'boot-1', '777']]);
    expect(
      store.markEnded(run.id, { outcome: 'ok', endedAt: 2000, exitCode: 0, sessionId: 's-1', costUsd: 0.5, result: { text: 'hi' } }),
    ).toBe(true);
    expect(store.markEnded(run.id, { outcome: 'error', endedAt: 3000 })).toBe(false);
    expect(store.open()).toEqual([]);
    expect(store.get(run.id)).toMatchObject({ status: 'ended', outcome: 'ok', sessionId: 's-1', costUsd: 0.5, result: { text: 'hi' } });
  });

  it('settles a run once: the ledger entry is written in the same transaction, never twice', () => {
    const { store } = createStore();
    const run = store.create({ ...base, seq: 1 });
    let booked = 0;
    expect(store.settleOnce(run.id, () => booked++)).toBe(true);
    expect(store.settleOnce(run.id, () => booked++)).toBe(false);
    expect(booked).toBe(1);
    const failing = store.create({ ...base, seq: 2 });
    expect(() =>
      store.settleOnce(failing.id, () => {
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(store.get(failing.id)?.settled).toBe(false);
  });

  it('finds the latest good session of a user in a thread, in the same directory and time window', () => {
    const { store } = createStore();
    const ended = (seq: number, fields: Partial<typeof base>, outcome: 'ok' | 'error', session: string) => {
      const run = store.create({ ...base, ...fields, taskId: seq, seq: 1 });
      store.markEnded(run.id, { outcome, endedAt: 5000, sessionId: session });
    };
    ended(1, { startedAt: 1000 }, 'ok', 'old');
    ended(2, { startedAt: 4000 }, 'ok', 'newest-good');
    ended(3, { startedAt: 4500 }, 'error', 'failed');
    ended(4, { startedAt: 4600, cwd: '/other' }, 'ok', 'elsewhere');
    // Someone else in the same chat and thread, later still: never Ann's session.
    ended(5, { startedAt: 4700, userId: 'bob' }, 'ok', 'bobs');
    const key = { threadKey: base.threadKey, userId: 'ann' };
    expect(store.latestSession(key, 'claude-code', '/repo', 0)?.sessionId).toBe('newest-good');
    expect(store.latestSession(key, 'claude-code', '/repo', 4100)).toBeUndefined();
    expect(store.latestSession(key, 'aider', '/repo', 0)).toBeUndefined();
    expect(store.latestSession({ ...key, userId: 'bob' }, 'claude-code', '/repo', 0)?.sessionId).toBe('bobs');
    expect(store.latestSession({ ...key, userId: 'carol' }, 'claude-code', '/repo', 0)).toBeUndefined();
  });

  it('records who asked, the reservation and the boot before the process starts, and a pid only once known', () => {
    const { store } = createStore();
    const run = store.create({ ...base, seq: 1, reservationId: 'res-1', bootId: 'boot-1' });
    expect(run).toMatchObject({ status: 'starting', userId: 'ann', reservationId: 'res-1', bootId: 'boot-1', pid: null });
    store.markRunning(run.id, null, 'boot-1', null);
    expect(store.get(run.id)).toMatchObject({ status: 'running', pid: null, bootId: 'boot-1' });
  });
});

import { describe, expect, it } from 'vitest';
import type { Db } from '../../storage/db.js';
import { SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { describeTaskQueueContract } from '../contracts/task-queue.js';
import { sqliteStore } from './sqlite-store.js';

describeTaskQueueContract('SqliteTaskQueue', () => {
  const store = sqliteStore();
  const handles = (db: Db) => ({ queue: new SqliteTaskQueue(db), outbox: new SqliteOutbox(db) });
  return { ...handles(store.db), connectAgain: () => handles(store.connect()), close: () => store.close() };
});

describe('SqliteTaskQueue open tasks', () => {
  it('marks a task ended once, however it ends, and a claim leaves it open', () => {
    const store = sqliteStore();
    const queue = new SqliteTaskQueue(store.db);
    const open = () =>
      (store.db.prepare('SELECT id FROM tasks WHERE ended_at IS NULL ORDER BY id').all() as Array<{ id: number }>).map((row) => row.id);
    const task = (id: string) => ({
      platform: 'telegram',
      chatId: '42',
      userId: 'u',
      userName: 'U',
      platformMessageId: id,
      text: id,
      message: {},
    });
    const done = queue.enqueue(task('done'), 0).taskId;
    const dead = queue.enqueue(task('dead'), 0).taskId;
    const cancelled = queue.enqueue(task('cancelled'), 0).taskId;
    const waiting = queue.enqueue(task('waiting'), 0).taskId;
    expect(open()).toEqual([done, dead, cancelled, waiting]);
    expect(queue.claim('w', 1, 10)?.id).toBe(done);
    expect(queue.claim('w', 1, 10)?.id).toBe(dead);
    expect(open()).toEqual([done, dead, cancelled, waiting]);
    queue.complete(done, 'w', { status: 'done' }, 2);
    expect(queue.cancel(cancelled, 3, { address: { platform: 'telegram', chatId: '42' }, body: {} })).toBe('cancelled');
    expect(queue.reapExpired(20, 1, () => ({ address: { platform: 'telegram', chatId: '42' }, body: {} })).dead).toEqual([dead]);
    expect(open()).toEqual([waiting]);
    expect(store.db.prepare('SELECT id, ended_at FROM tasks WHERE ended_at IS NOT NULL ORDER BY id').all()).toEqual([
      { id: done, ended_at: 2 },
      { id: dead, ended_at: 20 },
      { id: cancelled, ended_at: 3 },
    ]);
    store.close();
  });

  it('never skips an open task, whatever order tasks end in (checked against a scan of the whole table)', () => {
    const store = sqliteStore();
    let queue = new SqliteTaskQueue(store.db);
    // Every task is open until it ends: the oracle reads the table without the queue's cursor.
    const oracle = (now: number) => {
      const rows = store.db
        .prepare(`SELECT id, status, not_before AS notBefore FROM tasks WHERE ended_at IS NULL ORDER BY id`)
        .all() as Array<{ id: number; status: string; notBefore: number }>;
      return {
        due: rows.find((row) => row.status === 'pending' && row.notBefore <= now)?.id,
        pending: rows.filter((row) => row.status === 'pending').length,
        running: rows.filter((row) => row.status !== 'pending').length,
      };
    };
    const reply = () => ({ address: { platform: 'telegram', chatId: '42' }, body: {} });
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const running: number[] = [];
    let now = 1;
    for (let step = 0; step < 600; step += 1) {
      now += 1 + random(3);
      const action = random(10);
      if (action < 3) {
        queue.enqueue(
          { platform: 'telegram', chatId: '42', userId: 'u', userName: 'U', platformMessageId: `m${step}`, text: 't', message: {} },
          now,
        );
      } else if (action < 5) {
        const expected = oracle(now).due;
        const claimed = queue.claim('w', now, 50);
        expect(claimed?.id).toBe(expected);
        if (claimed) running.push(claimed.id);
      } else if (action < 7 && running.length > 0) {
        // Tasks end out of order: any running one.
        const [id] = running.splice(random(running.length), 1) as [number];
        queue.complete(id, 'w', { status: random(2) ? 'done' : 'failed', reply: reply() }, now);
      } else if (action === 7 && running.length > 0) {
        // Back to pending, due later: an old open task the cursor must stay behind.
        const [id] = running.splice(random(running.length), 1) as [number];
        queue.release(id, 'w', now + random(40), 'retry', now);
      } else if (action === 8) {
        const reaped = queue.reapExpired(now, 3, reply);
        for (const id of [...reaped.requeued, ...reaped.dead]) running.splice(running.indexOf(id), 1);
        const pending = store.db.prepare(`SELECT id FROM tasks WHERE status = 'pending' ORDER BY id LIMIT 1`).pluck().get() as
          | number
          | undefined;
        if (pending !== undefined) queue.cancel(pending, now, reply());
      } else {
        // A restart: a new queue on the same file starts from the first task.
        queue = new SqliteTaskQueue(store.db);
      }
      const { pending, running: busy } = oracle(now);
      expect(queue.stats()).toMatchObject({ pending, running: busy });
    }
    expect(store.db.prepare('SELECT COUNT(*) FROM tasks WHERE ended_at IS NOT NULL').pluck().get()).toBeGreaterThan(50);
    store.close();
  });

  it('finds no open task in an empty queue, then the first one enqueued', () => {
    const store = sqliteStore();
    const queue = new SqliteTaskQueue(store.db);
    expect(queue.claim('w', 1, 10)).toBeUndefined();
    expect(queue.stats()).toEqual({ pending: 0, running: 0, oldestPendingAt: null });
    const { taskId } = queue.enqueue(
      { platform: 'telegram', chatId: '42', userId: 'u', userName: 'U', platformMessageId: 'm1', text: 't', message: {} },
      2,
    );
    expect(queue.nextWakeAt()).toBe(0);
    expect(queue.claim('w', 3, 10)?.id).toBe(taskId);
    store.close();
  });
});

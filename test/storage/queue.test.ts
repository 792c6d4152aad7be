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

describe('SqliteTaskQueue open-tasks index', () => {
  it('holds a task from intake until it ends, however it ends, and a claim leaves it alone', () => {
    const store = sqliteStore();
    const queue = new SqliteTaskQueue(store.db);
    const open = () =>
      (
        store.db.prepare('SELECT id FROM tasks INDEXED BY tasks_open WHERE ended_at IS NULL ORDER BY id').all() as Array<{ id: number }>
      ).map((row) => row.id);
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
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OF_TASK, SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { describeOutboxContract } from '../contracts/outbox.js';
import { sqliteStore } from './sqlite-store.js';

describeOutboxContract('SqliteOutbox', () => {
  const store = sqliteStore();
  return { outbox: new SqliteOutbox(store.db), connectAgain: () => new SqliteOutbox(store.connect()), close: () => store.close() };
});

describe('SqliteOutbox: a task and its replies', () => {
  let store: ReturnType<typeof sqliteStore>;
  beforeEach(() => {
    store = sqliteStore();
  });
  afterEach(() => store.close());

  it("finds a task's replies by walking ids from the bound its task keeps, and refuses a reply for no task", () => {
    const queue = new SqliteTaskQueue(store.db);
    const outbox = new SqliteOutbox(store.db);
    const address = { platform: 'telegram', chatId: '42' };
    const alert = (i: number) => outbox.add({ address, body: { text: `alert ${i}` }, kind: 'alert' }, i);
    for (let i = 0; i < 50; i += 1) alert(i);
    const task = (id: string) =>
      queue.enqueue({ platform: 'telegram', chatId: '42', userId: 'u1', userName: 'U', platformMessageId: id, text: id, message: {} }, 60)
        .taskId;
    const first = task('m1');
    const second = task('m2');
    outbox.add({ taskId: first, address, body: { text: 'working on it' }, kind: 'progress' }, 61);
    alert(62);
    outbox.add({ taskId: second, address, body: { text: 'second answer' } }, 63);
    outbox.add({ taskId: first, address, body: { text: 'first answer' } }, 64);
    expect(outbox.forTask(first).map((row) => (row.body as { text: string }).text)).toEqual(['working on it', 'first answer']);
    expect(outbox.forTask(second).map((row) => (row.body as { text: string }).text)).toEqual(['second answer']);
    expect(outbox.forTask(999)).toEqual([]);
    // The walk starts at the task's bound (a range of row ids), never at the first reply ever written.
    const plan = store.db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE ${OF_TASK} ORDER BY id`).all(first, first) as Array<{
      detail: string;
    }>;
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/SEARCH outbox USING INTEGER PRIMARY KEY \(rowid>\?\)/);
    expect(() => outbox.add({ taskId: 999, address, body: { text: 'for nobody' } }, 65)).toThrow(/names a task that does not exist/);
  });
});

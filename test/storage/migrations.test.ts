import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../storage/db.js';
import { migrations } from '../../storage/migrations.js';
import { SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('migrations', () => {
  it('upgrades a database created by an older schema in place, keeping its rows', () => {
    const file = join(dir.path, 'old.db');
    const old = new Database(file);
    migrate(old, migrations.slice(0, 1));
    expect(schemaVersion(old)).toBe(1);
    old
      .prepare(
        `INSERT INTO tasks (request_text, platform, chat_id, user_id, platform_message_id, created_at, updated_at)
         VALUES ('from v1', 'telegram', '42', 'u1', 'm1', 1, 1)`,
      )
      .run();
    old.close();

    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(migrations.at(-1)?.version);
    const queue = new SqliteTaskQueue(db);
    const task = queue.claim('w', 10, 1000);
    expect(task).toMatchObject({ requestText: 'from v1', userName: '', metadata: {}, notBefore: 0 });
    queue.record({ taskId: task?.id ?? 0, at: 11, type: 'routed' });
    expect(queue.events(task?.id ?? 0).map((e) => e.type)).toContain('routed');
    db.close();
  });

  it('rebuilds tasks and outbox without AUTOINCREMENT from version 12, keeping rows, links and every id ever handed out', () => {
    const file = join(dir.path, 'v12.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    migrate(
      old,
      migrations.filter((migration) => migration.version <= 12),
    );
    expect(schemaVersion(old)).toBe(12);
    const addTask = old.prepare(
      `INSERT INTO tasks (request_text, platform, chat_id, user_id, platform_message_id, status, lease_owner, lease_until, created_at, updated_at)
       VALUES (?, 'telegram', '42', 'u1', ?, ?, ?, ?, 1, 1)`,
    );
    addTask.run('answered', 'm1', 'done', null, null);
    addTask.run('waiting', 'm2', 'pending', null, null);
    addTask.run('running', 'm3', 'routing', 'old-process', 5);
    addTask.run('newest, pruned', 'm4', 'done', null, null);
    const addReply = old.prepare(
      `INSERT INTO outbox (task_id, platform, chat_id, body, status, next_attempt_at, created_at) VALUES (?, 'telegram', '42', '{"text":"hi"}', ?, 1, 1)`,
    );
    addReply.run(1, 'sent');
    addReply.run(1, 'pending');
    addReply.run(4, 'sent');
    old
      .prepare(
        `INSERT INTO plan_sessions (task_id, platform, user_id, goal, source, created_at, updated_at) VALUES (1, 'telegram', 'u1', 'g', 's', 1, 1)`,
      )
      .run();
    // Retention pruned the newest task and its reply: AUTOINCREMENT still remembers ids 4 and 3.
    old.prepare('DELETE FROM outbox WHERE id = 3').run();
    old.prepare('DELETE FROM tasks WHERE id = 4').run();
    old.close();

    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(migrations.at(-1)?.version);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_sequence WHERE name IN ('tasks', 'outbox')`).all()).toEqual([]);
    const queue = new SqliteTaskQueue(db);
    const outbox = new SqliteOutbox(db);
    expect(queue.get(1)).toMatchObject({ requestText: 'answered', status: 'done' });
    // The plan that points at task 1 was not cascaded away with the old table, and replies keep their task.
    expect(db.prepare('SELECT task_id FROM plan_sessions').all()).toEqual([{ task_id: 1 }]);
    expect(outbox.forTask(1).map((row) => [row.id, row.status])).toEqual([
      [1, 'sent'],
      [2, 'pending'],
    ]);
    expect(() => outbox.add({ taskId: 99, address: { platform: 'x', chatId: 'y' }, body: {} }, 1)).toThrow(
      /names a task that does not exist/,
    );
    // Replies are found from a bound on their task, not an index by task: each task's is at or below its first reply.
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'outbox_task'`).all()).toEqual([]);
    expect(db.prepare('SELECT id, outbox_from FROM tasks ORDER BY id').all()).toEqual([
      { id: 1, outbox_from: 1 },
      { id: 2, outbox_from: 3 },
      { id: 3, outbox_from: 3 },
    ]);
    // Tasks that had ended before carry their end, so the queue's walk of open tasks passes over them.
    expect(db.prepare('SELECT id, ended_at FROM tasks ORDER BY id').all()).toEqual([
      { id: 1, ended_at: 1 },
      { id: 2, ended_at: null },
      { id: 3, ended_at: null },
    ]);
    expect(queue.stats()).toMatchObject({ pending: 1, running: 1 });
    expect(queue.claim('w', 10, 1000)).toMatchObject({ id: 2, requestText: 'waiting' });
    expect(queue.reapExpired(10, 3, () => ({ address: { platform: 'telegram', chatId: '42' }, body: {} })).requeued).toEqual([3]);
    // Ids go on above the pruned ones: task 4 and reply 3 were handed out before.
    const next = queue.enqueue(
      { platform: 'telegram', chatId: '42', userId: 'u1', userName: 'U', platformMessageId: 'm5', text: 'new', message: {} },
      20,
    );
    expect(next).toEqual({ taskId: 5, created: true });
    expect(outbox.add({ taskId: next.taskId, address: { platform: 'telegram', chatId: '42' }, body: { text: 'ok' } }, 20)).toEqual({
      id: 4,
      created: true,
    });
    db.close();
  });

  it('never hands out a task or outbox id twice, even after the newest rows are deleted', () => {
    const db = openDatabase(join(dir.path, 'ids.db'));
    const queue = new SqliteTaskQueue(db);
    const outbox = new SqliteOutbox(db);
    const message = (id: string) => ({
      platform: 'telegram',
      chatId: '42',
      userId: 'u1',
      userName: 'U',
      platformMessageId: id,
      text: id,
      message: {},
    });
    const address = { platform: 'telegram', chatId: '42' };
    const first = queue.enqueue(message('a'), 1).taskId;
    const second = queue.enqueue(message('b'), 1).taskId;
    const reply = outbox.add({ taskId: second, address, body: {} }, 1).id;
    db.prepare('DELETE FROM outbox').run();
    db.prepare('DELETE FROM tasks').run();
    expect(queue.enqueue(message('c'), 2).taskId).toBeGreaterThan(Math.max(first, second));
    expect(outbox.add({ address, body: {} }, 2).id).toBeGreaterThan(reply);
    db.close();
  });

  it('is idempotent and leaves an up-to-date database alone', () => {
    const file = join(dir.path, 'new.db');
    openDatabase(file).close();
    const db = openDatabase(file);
    expect(migrate(db, migrations)).toBe(migrations.at(-1)?.version);
    db.close();
  });

  it('uses WAL, the configured synchronous level and a busy timeout', () => {
    const db = openDatabase(join(dir.path, 'pragmas.db'), { synchronous: 'NORMAL', busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    db.close();
    const full = openDatabase(join(dir.path, 'full.db'));
    expect(full.pragma('synchronous', { simple: true })).toBe(2);
    full.close();
  });
});

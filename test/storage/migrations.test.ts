import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../storage/db.js';
import { migrations } from '../../storage/migrations.js';
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

import { existsSync, lutimesSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { createRetentionJob } from '../../jobs/retention.js';
import { type Db, openDatabase } from '../../storage/db.js';
import { MemoryEventStore } from '../../storage/memory-events.js';
import { SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { FakeClock } from '../fakes/clock.js';
import { tempDir, testConfig, testPaths } from '../helpers.js';

const DAY = 86_400_000;

describe('retention job', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(join(dir.path, 'r.db'));
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  it('prunes old finished tasks with their trace and replies, old logs and run folders, and keeps the rest', async () => {
    const clock = new FakeClock('2026-11-23T03:30:00Z');
    const now = clock.now();
    const queue = new SqliteTaskQueue(db);
    const outbox = new SqliteOutbox(db);
    const address = { platform: 'x', chatId: '1' };
    const make = (id: string, at: number, deliver: boolean) => {
      const { taskId } = queue.enqueue(
        { platform: 'x', chatId: '1', userId: 'u', userName: 'u', platformMessageId: id, text: id, message: {} },
        at,
      );
      queue.claim('w', at, 1000);
      // A step the router traces while the task runs (claim and completion live in the task row).
      queue.record({ taskId, at, type: 'routed', data: { tool: 'chat' } });
      queue.complete(taskId, 'w', { status: 'done', reply: { address, body: { text: id } } }, at);
      if (deliver) {
        const [row] = outbox.claimDue(at, 1);
        if (row) outbox.markSent(row.id, 'r', at);
      }
      return taskId;
    };
    const old = make('old', now - 40 * DAY, true);
    const recent = make('recent', now - DAY, true);
    const oldUndelivered = make('old-undelivered', now - 40 * DAY, false);
    const pending = queue.enqueue(
      { platform: 'x', chatId: '1', userId: 'u', userName: 'u', platformMessageId: 'p', text: 'p', message: {} },
      now - 50 * DAY,
    ).taskId;

    const paths = testPaths(dir.path);
    const logs = join(paths.home, 'logs');
    const runs = join(paths.home, 'runs');
    mkdirSync(logs, { recursive: true });
    mkdirSync(join(runs, '7'), { recursive: true });
    mkdirSync(join(runs, '8'), { recursive: true });
    writeFileSync(join(logs, 'pie-brain.1.log'), 'old');
    writeFileSync(join(logs, 'pie-brain.2.log'), 'current');
    const oldTime = (now - 20 * DAY) / 1000;
    utimesSync(join(logs, 'pie-brain.1.log'), oldTime, oldTime);
    utimesSync(join(runs, '7'), oldTime, oldTime);

    const insertRun = db.prepare(
      "INSERT INTO code_runs (user_id, language, code, duration_ms, created_at) VALUES ('owner', 'python', 'print(1)', 5, ?)",
    );
    insertRun.run(now - 40 * DAY);
    insertRun.run(now - DAY);
    const job = createRetentionJob({ db, paths, config: testConfig(), clock, logger: silentLogger() });
    const summary = await job.run({ scheduledFor: now, caughtUp: false, signal: new AbortController().signal });
    expect(summary).toMatch(
      /^pruned 1 tasks, 1 trace events, 1 replies, 0 job runs, 1 code runs, 0 memory events, 1 log files, 1 run folders, 0 scratch entries; WAL checkpointed/,
    );
    expect(queue.get(old)).toBeUndefined();
    expect((db.prepare('SELECT COUNT(*) AS n FROM code_runs').get() as { n: number }).n).toBe(1);
    expect(queue.get(oldUndelivered)?.status).toBe('done');
    expect(queue.get(recent)?.status).toBe('done');
    expect(queue.get(pending)?.status).toBe('pending');
    // Replies name their task without a foreign key: none is left naming a pruned task, and the kept tasks
    // still find theirs.
    expect(db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE task_id NOT IN (SELECT id FROM tasks)').get()).toEqual({ n: 0 });
    expect(outbox.forTask(recent).map((row) => row.status)).toEqual(['sent']);
    expect(outbox.forTask(oldUndelivered).map((row) => row.status)).toEqual(['pending']);
    expect(existsSync(join(logs, 'pie-brain.2.log'))).toBe(true);
    expect(existsSync(join(runs, '7'))).toBe(false);
    expect(existsSync(join(runs, '8'))).toBe(true);
  });

  it('prunes what brains and code runs left in scratch once nothing in it changed for scratchDays, never following a link', async () => {
    const clock = new FakeClock('2026-11-23T03:30:00Z');
    const now = clock.now();
    const paths = testPaths(dir.path);
    const scratch = join(paths.home, 'scratch');
    const outside = join(dir.path, 'outside');
    mkdirSync(join(paths.home, 'logs'), { recursive: true });
    mkdirSync(join(scratch, 'run-killed'), { recursive: true });
    mkdirSync(join(scratch, 'project', 'src'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(scratch, 'run-killed', 'main.py'), 'print(1)');
    writeFileSync(join(scratch, 'notes.md'), 'old');
    writeFileSync(join(scratch, 'today.md'), 'new');
    writeFileSync(join(scratch, 'project', 'src', 'app.ts'), 'still being edited');
    writeFileSync(join(outside, 'precious.txt'), "not pie-brain's");
    symlinkSync(outside, join(scratch, 'link-out'));
    const old = (now - 8 * DAY) / 1000;
    for (const path of ['run-killed/main.py', 'run-killed', 'notes.md', 'project/src', 'project', 'link-out']) {
      lutimesSync(join(scratch, path), old, old);
    }
    utimesSync(outside, old, old);
    const job = createRetentionJob({ db, paths, config: testConfig(), clock, logger: silentLogger() });
    const summary = await job.run({ scheduledFor: now, caughtUp: false, signal: new AbortController().signal });
    expect(summary).toContain('3 scratch entries');
    expect(readdirSync(scratch).sort()).toEqual(['project', 'today.md']);
    expect(existsSync(join(outside, 'precious.txt'))).toBe(true);
  });

  it('removes memory events only once they are older than jobs.retention.memoryDays, with their search entries', async () => {
    const clock = new FakeClock('2026-11-23T03:30:00Z');
    const now = clock.now();
    const events = new MemoryEventStore(db);
    events.append({ at: now - 400 * DAY, kind: 'request', text: 'the old sourdough question' });
    events.append({ at: now - 40 * DAY, kind: 'request', text: 'a sourdough question from last month' });
    const paths = testPaths(dir.path);
    mkdirSync(join(paths.home, 'logs'), { recursive: true });
    const config = testConfig({ jobs: { retention: { memoryDays: 365 } } });
    const job = createRetentionJob({ db, paths, config, clock, logger: silentLogger() });
    const summary = await job.run({ scheduledFor: now, caughtUp: false, signal: new AbortController().signal });
    expect(summary).toContain('1 memory events');
    expect(events.find(null, '"sourdough"', { limit: 10 }).map((event) => event.text)).toEqual(['a sourdough question from last month']);
  });
});

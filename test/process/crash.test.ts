import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/db.js';
import { SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { json, RecordingServer } from '../fakes/recording-server.js';
import { tempDir, waitFor } from '../helpers.js';
import { startWorker, type WorkerProcess } from './worker-process.js';

const worker = fileURLToPath(new URL('../fixtures/crash-worker.mjs', import.meta.url));

const messages = [
  {
    id: 'msg-1',
    address: { platform: 'http', chatId: 'room', threadId: 'thread-7' },
    user: { id: 'owner', name: 'Owner' },
    text: 'job one',
    receivedAt: 1,
  },
];

function runWorker(home: string, url: string, sent = messages): WorkerProcess {
  return startWorker(worker, [home, url, JSON.stringify(sent)]);
}

describe('crashes (SIGKILL, real child processes, same data dir)', () => {
  let dir: ReturnType<typeof tempDir>;
  let fake: RecordingServer;
  let sent = 0;
  let holdWait: boolean;
  let holdSend: boolean;
  /** Hold the send of this part of a reply (and only it). */
  let holdPart: number | undefined;
  const held: ServerResponse[] = [];

  beforeEach(async () => {
    dir = tempDir();
    fake = new RecordingServer();
    sent = 0;
    holdWait = false;
    holdSend = false;
    holdPart = undefined;
    fake.on('/started', (_req, res) => json(res, 200, {}));
    fake.on('/wait', (_req, res) => (holdWait ? held.push(res) : json(res, 200, {})));
    fake.on('/send', (req, res) => {
      const part = (req.body as { part?: { index: number } } | undefined)?.part;
      if (holdSend || (holdPart !== undefined && part?.index === holdPart)) held.push(res);
      else json(res, 200, { id: `platform-${++sent}` });
    });
    await fake.start();
  });

  afterEach(async () => {
    held.splice(0);
    await fake.stop();
    dir.remove();
  });

  function stored() {
    const db = openDatabase(join(dir.path, 'pie-brain.db'));
    const queue = new SqliteTaskQueue(db);
    const outbox = new SqliteOutbox(db);
    const task = queue.get(1);
    const rows = outbox.forTask(1);
    const tasks = db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number };
    db.close();
    return { task, rows, taskCount: tasks.n };
  }

  it('a worker killed mid-task: after a restart the task completes and exactly one reply is recorded', async () => {
    holdWait = true;
    const first = runWorker(dir.path, fake.url);
    await waitFor(() => fake.at('/started').length === 1, 15_000, 'task started');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(fake.at('/send')).toHaveLength(0);

    holdWait = false;
    const second = runWorker(dir.path, fake.url);
    expect(await second.exited).toBe(0);
    expect(fake.at('/started').map((r) => (r.body as { attempt: number }).attempt)).toEqual([1, 2]);
    const replies = fake.at('/send');
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toMatchObject({
      address: { platform: 'http', chatId: 'room', threadId: 'thread-7', replyTo: 'msg-1' },
      reply: { text: 'done job one' },
    });
    const { task, rows, taskCount } = stored();
    expect(taskCount).toBe(1);
    expect(task).toMatchObject({ status: 'done', attempts: 2 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', receipt: 'platform-1', resentAfterCrash: false });
  });

  it('killed between a successful send and its receipt: at most one duplicate, and it is counted', async () => {
    holdSend = true;
    const first = runWorker(dir.path, fake.url);
    await waitFor(() => fake.at('/send').length === 1, 15_000, 'reply sent');
    first.child.kill('SIGKILL');
    await first.exited;

    holdSend = false;
    const second = runWorker(dir.path, fake.url);
    expect(await second.exited).toBe(0);
    const replies = fake.at('/send');
    expect(replies).toHaveLength(2);
    expect(replies[0]?.body).toEqual(replies[1]?.body);
    expect(fake.at('/started')).toHaveLength(1);
    const { task, rows } = stored();
    expect(task?.status).toBe('done');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', attempts: 2, resentAfterCrash: true, receipt: 'platform-1' });
  });

  it('killed in the middle of a long reply: after a restart the parts already sent are not sent again', async () => {
    const long = messages.map((message) => ({ ...message, id: 'msg-long', text: 'long answer please' }));
    holdPart = 1;
    const first = runWorker(dir.path, fake.url, long);
    await waitFor(() => fake.at('/send').length === 2, 15_000, 'the first part sent and the second in flight');
    first.child.kill('SIGKILL');
    await first.exited;

    holdPart = undefined;
    const second = runWorker(dir.path, fake.url, long);
    expect(await second.exited).toBe(0);
    const sends = fake.at('/send').map((r) => r.body as { part: { index: number }; reply: { text: string } });
    // Part 0 once; part 1 was in flight at the kill (the one window for a repeat); part 2 once.
    expect(sends.map((s) => s.part.index)).toEqual([0, 1, 1, 2]);
    expect(sends.map((s) => s.reply.text[0])).toEqual(['a', 'b', 'b', 'c']);
    const { rows } = stored();
    expect(rows[0]).toMatchObject({ status: 'sent', resentAfterCrash: true });
  });
});

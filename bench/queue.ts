// bench/queue: tasks through the durable queue on a file database, for synchronous NORMAL and FULL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Synchronous } from '../storage/db.js';
import { SqliteOutbox } from '../storage/outbox.js';
import { SqliteTaskQueue } from '../storage/queue.js';
import { report } from './report.js';

const TASKS = Number(process.env.BENCH_QUEUE_TASKS ?? 20_000);

function task(i: number) {
  return {
    platform: 'telegram',
    chatId: String(i % 50),
    userId: 'u1',
    userName: 'Ada',
    platformMessageId: `m${i}`,
    text: `request number ${i}`,
    message: { id: `m${i}`, text: `request number ${i}` },
  };
}

function measure(synchronous: Synchronous, mode: 'lifecycle' | 'claim-complete'): number {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-'));
  const db = openDatabase(join(dir, 'bench.db'), { synchronous });
  const queue = new SqliteTaskQueue(db);
  const outbox = new SqliteOutbox(db);
  let now = 1_000_000;
  if (mode === 'claim-complete') for (let i = 0; i < TASKS; i += 1) queue.enqueue(task(i), now);
  const started = process.hrtime.bigint();
  for (let i = 0; i < TASKS; i += 1) {
    now += 1;
    if (mode === 'lifecycle') queue.enqueue(task(i), now);
    const claimed = queue.claim('bench', now, 60_000);
    if (!claimed) throw new Error('nothing to claim');
    if (mode === 'claim-complete') {
      queue.complete(claimed.id, 'bench', { status: 'done' }, now);
      continue;
    }
    queue.complete(
      claimed.id,
      'bench',
      { status: 'done', reply: { address: { platform: 'telegram', chatId: claimed.chatId }, body: { text: 'done' } } },
      now,
    );
    const [row] = outbox.claimDue(now, 1);
    if (!row) throw new Error('no reply to send');
    outbox.markSent(row.id, `receipt-${i}`, now);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return TASKS / seconds;
}

for (const synchronous of ['NORMAL', 'FULL'] as const) {
  report('queue', 'claim_complete_per_s', measure(synchronous, 'claim-complete'), 'tasks/s', { synchronous, tasks: TASKS });
  report('queue', 'lifecycle_per_s', measure(synchronous, 'lifecycle'), 'tasks/s', {
    synchronous,
    tasks: TASKS,
    steps: 'enqueue,claim,complete+outbox,claim-send,mark-sent',
  });
}

// bench/queue: pie-brain's durable queue beside its peers, in one run on one machine.
// - claim+complete: pie-brain's queue (an async worker loop, as the engine runs it) beside plainjob's own
//   worker on the same number of jobs.
// - lifecycle (enqueue, claim, complete with its reply, claim-send, receipt) under synchronous FULL, beside
//   a bare better-sqlite3 lease + outbox doing the same steps (bench/queue-reference.ts), the two taking turns
//   every 50 messages on their own files, in rounds (BENCH_QUEUE_ROUNDS, 5): the median of the rounds' ratios.
// - fsyncs per answered message, counted by strace in child processes (target: two, intake and receipt),
//   apart from the fsyncs of creating the database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { better, defineQueue, defineWorker } from 'plainjob';
import { openDatabase, type Synchronous } from '../storage/db.js';
import { SqliteOutbox } from '../storage/outbox.js';
import { SqliteTaskQueue } from '../storage/queue.js';
import { createReferenceQueue } from './queue-reference.js';
import { median, report } from './report.js';

const TASKS = Number(process.env.BENCH_QUEUE_TASKS ?? 20_000);
const FSYNC_TASKS = Number(process.env.BENCH_QUEUE_FSYNC_TASKS ?? 500);
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? 5);
const BATCH = 50;
const here = fileURLToPath(import.meta.url);

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

function withDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const handle = async () => {};
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** pie-brain: tasks already queued, claimed and completed one at a time by an async loop. */
async function ourClaimComplete(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-'));
  const db = openDatabase(join(dir, 'bench.db'));
  const queue = new SqliteTaskQueue(db);
  let now = 1_000_000;
  db.transaction(() => {
    for (let i = 0; i < TASKS; i += 1) queue.enqueue(task(i), now);
  })();
  const started = process.hrtime.bigint();
  for (;;) {
    now += 1;
    const claimed = queue.claim('bench', now, 60_000);
    if (!claimed) break;
    await handle();
    queue.complete(claimed.id, 'bench', { status: 'done' }, now);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return TASKS / seconds;
}

/** plainjob's worker on the same number of queued jobs, until the last one is done. */
async function plainjobClaimComplete(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-'));
  const database = new Database(join(dir, 'plainjob.db'));
  const queue = defineQueue({ connection: better(database), maintenanceInterval: 3_600_000, logger: quiet });
  database.transaction(() => {
    for (let i = 0; i < TASKS; i += 1) queue.add('request', { text: `request number ${i}` });
  })();
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = defineWorker('request', handle, {
    queue,
    logger: quiet,
    pollIntervall: 1,
    onCompleted: () => {
      done += 1;
      if (done === TASKS) finish();
    },
  });
  const started = process.hrtime.bigint();
  void worker.start();
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await worker.stop();
  queue.close();
  database.close();
  rmSync(dir, { recursive: true, force: true });
  return TASKS / seconds;
}

/** A side of the lifecycle comparison: runs message `i`'s whole life at `now`; `close` ends it. */
interface Side {
  run(i: number, now: number): void;
  close(): void;
}

/** The whole life of a message through pie-brain's queue and outbox. */
function ourSide(dir: string, synchronous: Synchronous): Side {
  const db = openDatabase(join(dir, 'bench.db'), { synchronous });
  const queue = new SqliteTaskQueue(db);
  const outbox = new SqliteOutbox(db);
  return {
    run(i, now) {
      queue.enqueue(task(i), now);
      const claimed = queue.claim('bench', now, 60_000);
      if (!claimed) throw new Error('nothing to claim');
      queue.complete(
        claimed.id,
        'bench',
        { status: 'done', reply: { address: { platform: 'telegram', chatId: claimed.chatId }, body: { text: 'done' } } },
        now,
      );
      const [row] = outbox.claimDue(now, 1);
      if (!row) throw new Error('no reply to send');
      outbox.markSent(row.id, `receipt-${i}`, now);
    },
    close: () => db.close(),
  };
}

/** The same steps on the bare reference. */
function referenceSide(dir: string, synchronous: Synchronous): Side {
  const db = new Database(join(dir, 'reference.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  const queue = createReferenceQueue(db);
  return {
    run(i, now) {
      queue.enqueue(JSON.stringify(task(i)), now);
      const claimed = queue.claim('bench', now, 60_000);
      if (!claimed) throw new Error('nothing to claim');
      queue.complete(claimed.id, 'bench', '{"text":"done"}');
      const row = queue.claimDue();
      if (!row) throw new Error('no reply to send');
      queue.markSent(row.id, `receipt-${i}`, now);
    },
    close: () => db.close(),
  };
}

/**
 * Both sides on fresh files, taking turns every BATCH messages, so a burst of load on a shared machine (or a
 * slow stretch of its disk) lands on both: each side's messages per second.
 */
function lifecycleRound(synchronous: Synchronous, tasks: number): { own: number; reference: number } {
  return withDir((dir) => {
    const sides = [ourSide(dir, synchronous), referenceSide(dir, synchronous)] as const;
    const elapsed = [0n, 0n];
    for (let first = 0; first < tasks; first += BATCH) {
      const last = Math.min(tasks, first + BATCH);
      sides.forEach((side, which) => {
        const started = process.hrtime.bigint();
        for (let i = first; i < last; i += 1) side.run(i, 1_000_000 + i);
        elapsed[which] = (elapsed[which] as bigint) + (process.hrtime.bigint() - started);
      });
    }
    for (const side of sides) side.close();
    const perSecond = (ns: bigint) => tasks / (Number(ns) / 1e9);
    return { own: perSecond(elapsed[0] as bigint), reference: perSecond(elapsed[1] as bigint) };
  });
}

/** fsync and fdatasync calls of a child that opens a fresh database and runs `tasks` lifecycles. */
function fsyncsOfRun(which: 'pie-brain' | 'reference', tasks: number): number | undefined {
  return withDir((dir) => {
    const trace = join(dir, 'trace');
    const result = spawnSync(
      'strace',
      ['-f', '-qq', '-e', 'trace=fsync,fdatasync', '-o', trace, process.execPath, here, '--fsync-child', which, dir, String(tasks)],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (result.error || result.status !== 0) return undefined;
    return readFileSync(trace, 'utf8')
      .split('\n')
      .filter((line) => /\b(fsync|fdatasync)\(/.test(line) && !line.includes('resumed')).length;
  });
}

/**
 * fsyncs per answered message: the difference between a run of 2N and a run of N messages, over N, so the
 * fixed cost of creating the database (its migrations commit too) is not spread over the messages.
 */
function fsyncsPerMessage(which: 'pie-brain' | 'reference'): { perMessage: number; startUp: number } | undefined {
  const once = fsyncsOfRun(which, FSYNC_TASKS);
  const twice = fsyncsOfRun(which, 2 * FSYNC_TASKS);
  if (once === undefined || twice === undefined) return undefined;
  const perMessage = (twice - once) / FSYNC_TASKS;
  return { perMessage, startUp: once - perMessage * FSYNC_TASKS };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--fsync-child') {
    const [which, dir, tasks] = [process.argv[3], process.argv[4] as string, Number(process.argv[5])];
    const side = which === 'reference' ? referenceSide(dir, 'FULL') : ourSide(dir, 'FULL');
    for (let i = 0; i < tasks; i += 1) side.run(i, 1_000_000 + i);
    side.close();
    return;
  }
  const ours = await ourClaimComplete();
  const theirs = await plainjobClaimComplete();
  report('queue', 'claim_complete_per_s', ours, 'tasks/s', { tasks: TASKS, loop: 'async worker' });
  report('queue', 'plainjob_claim_complete_per_s', theirs, 'tasks/s', { tasks: TASKS, plainjob: '0.0.14 defineWorker' });
  report('queue', 'claim_complete_vs_plainjob', ours / theirs, 'x', { target: 1.0 });
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    const tasks = synchronous === 'FULL' ? Math.min(TASKS, 5000) : TASKS;
    const rounds = Array.from({ length: ROUNDS }, () => {
      const round = lifecycleRound(synchronous, tasks);
      return { ...round, ratio: round.own / round.reference };
    });
    const steps = 'enqueue,claim,complete+outbox,claim-send,mark-sent';
    const ratios = rounds.map((round) => round.ratio);
    report('queue', 'lifecycle_per_s', median(rounds.map((round) => round.own)), 'tasks/s', { synchronous, tasks, steps, rounds: ROUNDS });
    report('queue', 'reference_lifecycle_per_s', median(rounds.map((round) => round.reference)), 'tasks/s', {
      synchronous,
      tasks,
      steps,
      rounds: ROUNDS,
    });
    report('queue', 'lifecycle_vs_reference', median(ratios), 'x', {
      synchronous,
      rounds: ROUNDS,
      min: Math.round(Math.min(...ratios) * 1000) / 1000,
      max: Math.round(Math.max(...ratios) * 1000) / 1000,
      target: synchronous === 'FULL' ? 0.9 : undefined,
    });
  }
  for (const which of ['pie-brain', 'reference'] as const) {
    const counted = fsyncsPerMessage(which);
    if (counted === undefined) process.stderr.write('bench queue: strace is not available; fsyncs not counted\n');
    else {
      report('queue', 'fsyncs_per_message', counted.perMessage, 'fsync+fdatasync', {
        queue: which,
        synchronous: 'FULL',
        tasks: `${2 * FSYNC_TASKS} minus ${FSYNC_TASKS}`,
        target: 2,
      });
      report('queue', 'fsyncs_creating_database', counted.startUp, 'fsync+fdatasync', { queue: which });
    }
  }
}

await main();

// bench/memory-log: the memory event log at a year of a busy owner's use: appends, /memory log, /memory find
// (FTS5), the scan behind search by meaning (384-d vectors), and a snapshot written and restored.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIVILEGES, type Privilege } from '../core/access.js';
import type { NoteArchive } from '../core/contracts/note-archive.js';
import type { Clock } from '../core/lib/clock.js';
import { EventMeaning } from '../core/memory-log/event-meaning.js';
import { MemoryLog } from '../core/memory-log/memory-log.js';
import { readSnapshot } from '../core/memory-log/read-snapshot.js';
import { writeSnapshot } from '../core/memory-log/write-snapshot.js';
import { openDatabase } from '../storage/db.js';
import { KeyValueStore } from '../storage/kv.js';
import { MemoryEventVectors } from '../storage/memory-event-vectors.js';
import { checkpoint } from '../storage/retention.js';
import { percentile, report } from './report.js';

const TASKS = Number(process.env.BENCH_MEMLOG_TASKS ?? 10_000);
const QUERIES = Number(process.env.BENCH_MEMLOG_QUERIES ?? 200);
const DIM = 384;
const USERS = ['owner', 'friend', 'partner'];

// Deterministic "random" numbers: every run measures the same texts and vectors.
function noise(i: number, j = 0): number {
  const x = Math.sin(i * 12.9898 + j * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

const WORDS = Array.from({ length: 400 }, (_, i) => {
  const letters = 'abcdefghiklmnoprstuvw';
  return Array.from({ length: 4 + (i % 5) }, (_, j) => letters[Math.floor(noise(i, j) * letters.length)]).join('');
});

function sentence(seed: number, words: number): string {
  return Array.from({ length: words }, (_, i) => WORDS[Math.floor(noise(seed, i) * WORDS.length)]).join(' ');
}

function unitVector(seed: number): Float32Array {
  const vector = Float32Array.from({ length: DIM }, (_, i) => noise(seed, i) * 2 - 1);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return vector.map((value) => value / norm);
}

function actor(userId: string, operate: boolean) {
  const privileges = new Set<Privilege>(operate ? PRIVILEGES : ['read', 'writeNotes']);
  return { platform: 'telegram', userId, isAdmin: operate, privileges, budgetShare: operate ? null : 0 };
}

const noNotes: NoteArchive = {
  list: () => [],
  read: () => '',
  conflicts: () => [],
  restore: async () => ({ written: 0, unchanged: 0 }),
  reindex: async () => 0,
};

function fixedClock(at: number): Clock {
  return { now: () => at, setTimeout: () => ({}), clearTimeout: () => {} };
}

function timed(fn: () => unknown, runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-memlog-'));
  try {
    const file = join(dir, 'pie-brain.db');
    const db = openDatabase(file, { synchronous: 'FULL' });
    const start = Date.parse('2026-01-01T00:00:00Z');
    const log = new MemoryLog({ db, clock: fixedClock(start), vectorsDir: join(dir, 'unused-vectors') });
    const settings = { tasks: TASKS, eventsPerTask: 5, synchronous: 'FULL' };

    // One task leaves five events: request, route decision, tool call, reply, model call.
    const appendStarted = performance.now();
    for (let task = 1; task <= TASKS; task += 1) {
      const who = { taskId: task, platform: 'telegram', chatId: 'c', userId: USERS[task % USERS.length] as string };
      const at = start + task * 3_000_000;
      log.append({ ...who, at, kind: 'request', text: sentence(task, 12) });
      log.append({ ...who, at, kind: 'route', text: 'memory (model): a search', data: { params: { action: 'search' } } });
      log.append({ ...who, at, kind: 'tool', text: `memory {"action":"search"} → ${sentence(task + 1e6, 40)}` });
      log.append({ ...who, at, kind: 'reply', text: sentence(task + 2e6, 60) });
      log.append({ ...who, at, kind: 'model-call', text: 'ollama qwen2.5:1.5b · route · 900+40 tok · $0.00 · 1.2 s' });
    }
    const appendSeconds = (performance.now() - appendStarted) / 1000;
    report('memory-log', 'append_per_s', (TASKS * 5) / appendSeconds, 'events/s', settings);
    checkpoint(db);
    report('memory-log', 'db_bytes_per_event', statSync(file).size / (TASKS * 5), 'B', { ...settings, includes: 'table, indexes, FTS5' });

    const owner = { actor: actor('owner', true), chatId: 'c' };
    const friend = { actor: actor('friend', false), chatId: 'c' };
    const queries = Array.from({ length: QUERIES }, (_, i) => sentence(i + 5e6, 1 + (i % 2)));
    let q = 0;
    const finds = timed(() => log.find(owner, queries[q++ % queries.length] as string, { limit: 10 }), QUERIES);
    report('memory-log', 'find_p50', percentile(finds, 50), 'ms', {
      ...settings,
      queries: QUERIES,
      scope: 'own and this chat',
      target: 50,
    });
    report('memory-log', 'find_p95', percentile(finds, 95), 'ms', { ...settings, queries: QUERIES, scope: 'own and this chat' });
    q = 0;
    const ownFinds = timed(() => log.find(friend, queries[q++ % queries.length] as string, { limit: 10 }), QUERIES);
    report('memory-log', 'find_p50', percentile(ownFinds, 50), 'ms', { ...settings, queries: QUERIES, scope: 'own' });
    const recents = timed(() => log.recent(friend, 50), QUERIES);
    report('memory-log', 'log_50_p50', percentile(recents, 50), 'ms', { ...settings, scope: 'own' });

    // Vectors of the events search by meaning reads (requests, tool calls, replies), as an index would hold them.
    const vectors = new MemoryEventVectors(join(dir, 'vectors'));
    const meaning = new EventMeaning(log.events, vectors, new KeyValueStore(db));
    await vectors.open('bench:random-384');
    const texts = log.events.textEventsAfter(0, TASKS * 5);
    const vectorsStarted = performance.now();
    for (let i = 0; i < texts.length; i += 256) {
      await vectors.add(texts.slice(i, i + 256).map((event) => ({ ...event, eventId: event.id, vector: unitVector(event.id) })));
    }
    report('memory-log', 'store_vectors_per_s', texts.length / ((performance.now() - vectorsStarted) / 1000), 'vectors/s', {
      vectors: texts.length,
      dim: DIM,
      store: 'LanceDB',
    });
    const probes = Array.from({ length: 50 }, (_, i) => unitVector(9e6 + i));
    for (const [scope, who] of [
      ['everyone', null],
      ['own', { platform: 'telegram', userId: 'friend' }],
    ] as const) {
      await meaning.nearest(probes[0] as Float32Array, who, { limit: 5 });
      const scans: number[] = [];
      for (const probe of probes) {
        const started = performance.now();
        const found = await meaning.nearest(probe, who, { limit: 5 });
        scans.push(performance.now() - started);
        if (found.length !== 5) throw new Error(`expected 5 events, got ${found.length}`);
      }
      report('memory-log', 'meaning_top5_p50', percentile(scans, 50), 'ms', { vectors: texts.length, dim: DIM, scope, target: 50 });
      report('memory-log', 'meaning_top5_p95', percentile(scans, 95), 'ms', { vectors: texts.length, dim: DIM, scope });
    }
    await vectors.close();

    const snapshotStarted = performance.now();
    const written = writeSnapshot({ db, notes: noNotes, dir: join(dir, 'snapshots'), now: start, version: 'bench' });
    report('memory-log', 'snapshot_ms', performance.now() - snapshotStarted, 'ms', { events: written.events });
    report('memory-log', 'snapshot_bytes_per_event', written.bytes / written.events, 'B', { events: written.events });
    db.close();

    const fresh = openDatabase(join(dir, 'restored.db'), { synchronous: 'FULL' });
    const restoreStarted = performance.now();
    const snapshot = await readSnapshot(written.path);
    const restored = new MemoryLog({ db: fresh, clock: fixedClock(start), vectorsDir: join(dir, 'restored-vectors') });
    restored.events.restore(snapshot.events);
    const restoreSeconds = (performance.now() - restoreStarted) / 1000;
    report('memory-log', 'restore_per_s', snapshot.events.length / restoreSeconds, 'events/s', {
      events: snapshot.events.length,
      includes: 'read, check every line, insert, FTS5; not the vectors',
    });
    fresh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/memory-log failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});

import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../core/config.js';
import { runMemoryCli } from '../../../core/memory-log/memory-cli.js';
import { MemoryLog } from '../../../core/memory-log/memory-log.js';
import { SNAPSHOT_VERSION } from '../../../core/memory-log/snapshot-format.js';
import { openDatabase } from '../../../storage/db.js';
import { openInboxArchive } from '../../../tools/lib/note-archive.js';
import { FakeClock } from '../../fakes/clock.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../../fixtures/tiny-embedder.js';
import { quietLogger, tempDir, testActor, testConfig, testPaths } from '../../helpers.js';
import { decisionJson } from '../router/harness.js';
import { type MemoryHost, START, startMemoryHost } from './memory-host.js';

const dirs: Array<ReturnType<typeof tempDir>> = [];
afterAll(() => {
  for (const dir of dirs) dir.remove();
});
let host: MemoryHost | undefined;
afterEach(async () => {
  await host?.close(true);
  host = undefined;
});

function newRoot(): string {
  const dir = tempDir('pie-brain-snapshot-');
  dirs.push(dir);
  return dir.path;
}

function configFor(model = TINY_MODEL): Config {
  return testConfig({ memory: { embedder: 'transformers', model, modelsDir: TINY_MODELS_DIR }, timeZone: 'Europe/Berlin' });
}

/** `pie-brain memory ...` in this process, on the data dir under `root`. */
async function cli(root: string, args: string[], options: { model?: string; now?: string } = {}) {
  const config = configFor(options.model);
  const paths = testPaths(root);
  const memory = openInboxArchive({ config, paths, logger: quietLogger() });
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await runMemoryCli(
      args,
      {
        config,
        paths,
        clock: new FakeClock(options.now ?? '2026-11-24T09:00:00Z'),
        version: '0.1.0',
        notes: memory.archive,
        embedder: memory.embedder,
      },
      { out: (chunk) => out.push(chunk), err: (chunk) => err.push(chunk) },
    );
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    await memory.close();
  }
}

function writtenPath(out: string): string {
  const path = / to (\/\S+\.jsonl)$/m.exec(out)?.[1];
  if (!path) throw new Error(`no snapshot path in: ${out}`);
  return path;
}

function model(h: MemoryHost, decision: string, answer: string): void {
  h.fake.onChat((request) => (request.format ? decision : answer));
}

async function history(h: MemoryHost): Promise<void> {
  await h.say('/memory save The boiler manual is in the blue folder in the cellar');
  await h.say('/memory save Sourdough wants a warm kitchen and a lot of patience');
  model(h, decisionJson('chat', {}, false, 'small talk'), 'Check the valve and the rim tape first.');
  await h.say('my bicycle tyre keeps going flat, what should I check?', 'friend');
  model(h, decisionJson('chat', {}, false, 'small talk'), 'Preheat the oven with the pot inside.');
  await h.say('how do I bake sourdough bread at home?');
}

/** What searching the memory gives, without leaving events behind (the results are compared as they are). */
async function searches(h: MemoryHost) {
  const owner = { actor: testActor({ platform: 'telegram', userId: 'owner' }), chatId: 'chat-1' };
  const friend = { actor: testActor({ admin: false, platform: 'telegram', userId: 'friend' }), chatId: 'chat-1' };
  const store = h.store();
  const notes = async (query: string) =>
    (await store.search(query, 5)).map(({ path, title, text, similarity }) => ({ path, title, text, similarity }));
  return {
    findOwner: h.log.find(owner, 'sourdough', { limit: 10 }),
    findFriend: h.log.find(friend, 'flat tyre', { limit: 10 }),
    logFriend: h.log.recent(friend, 50),
    logAll: h.log.recent(owner, 50),
    meaningOwner: await h.log.searchByMeaning(owner, 'baking bread', store.embedder, { limit: 5 }),
    meaningFriend: await h.log.searchByMeaning(friend, 'bicycle repair', store.embedder, { limit: 5 }),
    notes: await notes('where is the boiler manual'),
    moreNotes: await notes('sourdough patience'),
  };
}

describe('pie-brain memory snapshot and restore', () => {
  it('round trip: snapshot, wipe, restore on a fresh data dir, and every search gives the same results', async () => {
    const root = newRoot();
    host = await startMemoryHost({ root });
    await history(host);
    const asked = {
      find: (await host.say('/memory find sourdough')).reply.text,
      meaning: (await host.say('/memory bicycle tyre flat', 'friend')).reply.text,
      log: (await host.say('/memory log 5', 'friend')).reply.text,
    };
    const before = await searches(host);
    expect(before.findOwner.length).toBeGreaterThan(0);
    expect(before.meaningFriend.length).toBeGreaterThan(0);
    expect(before.notes[0]?.title).toBe('The boiler manual is in the blue folder in the cellar');

    const snapshot = await cli(root, ['snapshot']);
    expect(snapshot.code).toBe(0);
    const file = writtenPath(snapshot.out);
    expect(file.startsWith(join(root, 'home', 'snapshots'))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0] as string);
    expect(header).toMatchObject({ type: 'header', format: 'pie-brain-memory', version: SNAPSHOT_VERSION, since: null, notes: 2 });
    expect(lines).toHaveLength(1 + header.events + header.notes);
    expect(snapshot.out).toContain(`Wrote ${header.events} events and 2 notes`);

    // The SD card dies: the snapshot was copied elsewhere, the data dir and the brain dir are gone.
    await host.close(true);
    host = undefined;
    const kept = join(newRoot(), 'kept.jsonl');
    copyFileSync(file, kept);
    rmSync(join(root, 'home'), { recursive: true, force: true });
    rmSync(join(root, 'brain'), { recursive: true, force: true });

    const restored = await cli(root, ['restore', kept]);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toContain(`Restored ${header.events} events and 2 notes from ${kept}`);
    expect(restored.out).toMatch(/Indexed 2 notes and \d+ events for search by meaning\./);
    expect(readdirSync(join(root, 'brain', 'inbox'))).toHaveLength(2);

    host = await startMemoryHost({ root });
    expect(await searches(host)).toEqual(before);
    // Ranking by words weighs each match against the whole log, which has grown by the look-ups since: the
    // same events come back, in an order that may differ where two scores are close.
    const sorted = (text: string) =>
      text
        .split('\n')
        .map((line) => line.replace(/^\d+\. /, ''))
        .sort();
    const found = await host.say('/memory find sourdough');
    expect(sorted(found.reply.text)).toEqual(sorted(asked.find));
    // Tasks go on numbering after the restored history: a task id keeps meaning one task.
    expect(found.taskId).toBeGreaterThan(Math.max(...before.logAll.map((event) => event.taskId ?? 0)));
    expect((await host.say('/memory bicycle tyre flat', 'friend')).reply.text).toBe(asked.meaning);
    // The log itself goes on from where it was: the friend's last events are the look-ups just made.
    expect((await host.say('/memory log 50', 'friend')).reply.text).toContain(asked.log.split('\n')[1] as string);
  });

  it('writes only what happened since a date with --since, and says how to use it otherwise', async () => {
    const root = newRoot();
    const db = openDatabase(join(testPaths(root).home, 'pie-brain.db'));
    const log = new MemoryLog({ db, clock: new FakeClock(START), vectorsDir: join(testPaths(root).home, 'vectors') });
    log.append({ at: Date.parse('2026-11-20T12:00:00Z'), kind: 'request', text: 'old question' });
    log.append({ at: Date.parse('2026-11-22T23:30:00Z'), kind: 'request', text: 'Sunday night in Berlin' });
    log.append({ at: Date.parse('2026-11-23T08:00:00Z'), kind: 'request', text: 'Monday morning' });
    db.close();
    const since = await cli(root, ['snapshot', '--since', '2026-11-23']);
    expect(since.code).toBe(0);
    const lines = readFileSync(writtenPath(since.out), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ since: '2026-11-22T23:00:00.000Z', events: 2, notes: 0 });
    expect(lines.slice(1).map((line) => line.text)).toEqual(['Sunday night in Berlin', 'Monday morning']);

    const bad = await cli(root, ['snapshot', '--since', 'last tuesday']);
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('--since wants YYYY-MM-DD') });
    expect(await cli(root, ['restore'])).toMatchObject({ code: 2, err: expect.stringContaining('pie-brain memory restore FILE') });
    expect((await cli(root, ['backup'])).code).toBe(2);
  });
});

describe('a restore refuses bad input and loses nothing', () => {
  const header = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: 'header',
      format: 'pie-brain-memory',
      version: 1,
      createdAt: '2026-11-23T12:00:00.000Z',
      since: null,
      events: 1,
      notes: 1,
      pieBrain: '0.1.0',
      ...overrides,
    });
  const eventLine = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: 'event',
      id: 1,
      at: Date.parse(START),
      kind: 'request',
      taskId: 1,
      platform: 'telegram',
      chatId: 'c',
      userId: 'owner',
      text: 'hello',
      data: null,
      recall: false,
      ...overrides,
    });
  const noteLine = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({ type: 'note', name: 'a-note.md', modifiedAt: Date.parse(START), content: '# A note\n\nabout things\n', ...overrides });

  function file(root: string, lines: string[]): string {
    const path = join(root, 'in.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  function eventCount(root: string): number {
    const db = openDatabase(join(testPaths(root).home, 'pie-brain.db'));
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM memory_events').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  const cases: Array<[string, string[], RegExp]> = [
    [
      'a snapshot of a newer format',
      [header({ version: 2 }), eventLine(), noteLine()],
      /newer pie-brain \(snapshot format version 2; this one reads up to 1\)/,
    ],
    [
      'a file cut short',
      [header({ events: 3 }), eventLine(), noteLine()],
      /incomplete: its header promises 3 events and 1 notes, the file holds 1 and 1/,
    ],
    ['a line that is not JSON', [header(), eventLine(), '{"type":"note",'], /line 3 is not valid JSON/],
    [
      'a note that points out of the inbox',
      [header(), eventLine(), noteLine({ name: '../../.bashrc.md' })],
      /line 3: name: a note name is one Markdown file name/,
    ],
    ['a hidden note', [header(), eventLine(), noteLine({ name: '.hidden.md' })], /line 3: name: a note name cannot start with a dot/],
    ['an event twice', [header({ events: 2, notes: 0 }), eventLine(), eventLine()], /line 3: event 1 appears twice/],
    ['an event without its text', [header(), eventLine({ text: undefined }), noteLine()], /line 2: text: /],
    ['anything else', ['{"hello":"world"}'], /not a pie-brain memory snapshot/],
    ['an empty file', [''], /empty: not a pie-brain memory snapshot/],
  ];

  it.each(cases)('%s', async (_name, lines, message) => {
    const root = newRoot();
    const result = await cli(root, ['restore', file(root, lines)]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(root, 'brain', 'inbox'))).toBe(false);
    expect(existsSync(join(root, '.bashrc.md'))).toBe(false);
    expect(eventCount(root)).toBe(0);
  });

  it('a file that is not there', async () => {
    const root = newRoot();
    const result = await cli(root, ['restore', join(root, 'nope.jsonl')]);
    expect(result).toMatchObject({ code: 1, err: expect.stringMatching(/nope\.jsonl: cannot be read \(no such file\)/) });
  });

  it('a data dir that already has a history, and a note that exists with other content', async () => {
    const root = newRoot();
    const path = file(root, [header(), eventLine(), noteLine()]);
    expect((await cli(root, ['restore', path])).code).toBe(0);
    const again = await cli(root, ['restore', path]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds 1 memory events; a restore goes onto a fresh data dir/);
    expect(eventCount(root)).toBe(1);

    const other = newRoot();
    const inbox = join(testPaths(other).brainDir, 'inbox');
    const mine = '# A note\n\nmy own, newer text\n';
    await import('node:fs').then((fs) => fs.mkdirSync(inbox, { recursive: true }));
    writeFileSync(join(inbox, 'a-note.md'), mine);
    const conflict = await cli(other, ['restore', file(other, [header(), eventLine(), noteLine()])]);
    expect(conflict.code).toBe(1);
    expect(conflict.err).toMatch(/1 note of the snapshot already exist with other content \(a-note\.md\); nothing was restored/);
    expect(readFileSync(join(inbox, 'a-note.md'), 'utf8')).toBe(mine);
    expect(eventCount(other)).toBe(0);
  });

  it('restores notes and events without the embedding model, and says search by meaning waits for it', async () => {
    const root = newRoot();
    const result = await cli(root, ['restore', file(root, [header(), eventLine(), noteLine()])], { model: 'pie-brain/not-installed' });
    expect(result.code).toBe(0);
    expect(result.out).toContain('Restored 1 event and 1 note from');
    expect(result.out).toMatch(/Search by meaning is not ready: The embedding model pie-brain\/not-installed is not installed/);
    expect(readFileSync(join(testPaths(root).brainDir, 'inbox', 'a-note.md'), 'utf8')).toBe('# A note\n\nabout things\n');
    expect(statSync(join(testPaths(root).brainDir, 'inbox', 'a-note.md')).mtimeMs).toBe(Date.parse(START));
    expect(eventCount(root)).toBe(1);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EventBus } from '../../core/engine/events.js';
import { type Db, openDatabase } from '../../storage/db.js';
import { ArxivClient, ArxivTool } from '../../tools/arxiv.js';
import type { ToolDeps } from '../../tools/base.js';
import { ARXIV_USER_AGENT } from '../../tools/lib/arxiv-client.js';
import { FakeArxiv, type FakePaper, makePapers, renderErrorFeed } from '../fakes/arxiv.js';
import { FakeClock } from '../fakes/clock.js';
import { FakeNoteIndex } from '../fakes/note-index.js';
import { quietLogger, tempDir, testConfig, testPaths, waitFor } from '../helpers.js';
import { toolContext } from './context.js';

const HOUR = 3_600_000;
const TUESDAY = Date.parse('2026-11-24T12:00:00Z');
const SATURDAY = Date.parse('2026-11-28T12:00:00Z');

const EDGE: FakePaper = {
  id: '2411.01230v2',
  title: 'Small Language Models on the Edge: Quantization, Pruning and Distillation for Low-Power Devices',
  abstract: 'We study how far small language models can be compressed for inference on single-board computers.',
  authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger W. Dijkstra'],
  categories: ['cs.CL', 'cs.AI', 'cs.LG'],
  published: '2024-11-02T17:59:59Z',
  updated: '2024-11-20T09:12:44Z',
  doi: '10.1000/edge.2024.123',
  comment: '14 pages; v2: corrected Table 3',
};
const RAG: FakePaper = {
  id: '2410.09876v1',
  title: 'Retrieval-Augmented Language Models Need Less Memory',
  abstract: 'Retrieval lets a 1.5B model match a 7B one on open-domain questions.',
  authors: ['Barbara Liskov'],
  categories: ['cs.IR', 'cs.CL'],
  published: '2024-10-14T00:00:01Z',
};

let dir: ReturnType<typeof tempDir>;
let clock: FakeClock;
let db: Db;
let fake: FakeArxiv;

beforeEach(async () => {
  dir = tempDir();
  clock = new FakeClock(TUESDAY);
  db = openDatabase(join(dir.path, 'pie-brain.db'));
  fake = await FakeArxiv.start({ papers: [EDGE, RAG], now: () => clock.now() });
});

afterEach(async () => {
  await fake.close();
  db.close();
  dir.remove();
});

function deps(overrides: { pageSize?: number; cacheTtlMinutes?: number } = {}): ToolDeps {
  return {
    config: testConfig({ arxiv: { apiUrl: fake.url, ...overrides } }),
    paths: testPaths(dir.path),
    logger: quietLogger(),
    clock,
    db,
    bus: new EventBus(),
  };
}

function client(options: { retries?: number; requestTimeoutMs?: number; pageSize?: number; cacheTtlMinutes?: number } = {}): ArxivClient {
  const { arxiv } = deps().config;
  return new ArxivClient({
    ...arxiv,
    pageSize: options.pageSize ?? arxiv.pageSize,
    cacheTtlMinutes: options.cacheTtlMinutes ?? arxiv.cacheTtlMinutes,
    clock,
    db,
    logger: quietLogger(),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
}

function tool(arxiv = client(), notes?: FakeNoteIndex): ArxivTool {
  return new ArxivTool({ client: arxiv, brainDir: testPaths(dir.path).brainDir, notes, now: () => clock.now() });
}

/** Let real sockets and the fake clock run until the work is done (the limiter and retries sleep on the clock). */
async function settle<T>(work: Promise<T>, stepMs = 500): Promise<T> {
  let done = false;
  work.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let step = 0; step < 2000 && !done; step += 1) {
    await clock.advance(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return work;
}

function readNote(path: string): { front: Record<string, unknown>; body: string } {
  const text = readFileSync(path, 'utf8');
  const match = /^---\n([\s\S]*?)\n---\n\n([\s\S]*)$/.exec(text);
  if (!match?.[1] || match[2] === undefined) throw new Error(`no front matter in ${path}`);
  return { front: parse(match[1]) as Record<string, unknown>, body: match[2] };
}

const inbox = () => join(testPaths(dir.path).brainDir, 'inbox');

describe('arXiv search', () => {
  it('finds a paper by ID with its version and writes its note with the full front matter', async () => {
    // The first request of a fresh limiter does not wait, so the clock stays put.
    const result = await tool().runLocal({ action: 'id', ids: ['arXiv:2411.01230v1'] }, toolContext());
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.params).toEqual({ id_list: '2411.01230v1', start: '0', max_results: '1' });
    expect(fake.requests[0]?.userAgent).toBe(ARXIV_USER_AGENT);
    expect(ARXIV_USER_AGENT).toMatch(/^pie-brain\//);
    const path = join(inbox(), 'arxiv-2411.01230.md');
    expect(result.files).toEqual([path]);
    expect(result.links).toEqual([{ title: EDGE.title, url: 'https://arxiv.org/abs/2411.01230v1' }]);
    expect(result.text).toContain('2411.01230v1');
    expect(result.text).toContain('Ada Lovelace, Alan Turing, Grace Hopper et al.');
    const note = readNote(path);
    expect(note.front).toEqual({
      id: '2411.01230v1',
      title: EDGE.title,
      authors: EDGE.authors,
      categories: ['cs.CL', 'cs.AI', 'cs.LG'],
      primary_category: 'cs.CL',
      published: '2024-11-02T17:59:59Z',
      updated: '2024-11-20T09:12:44Z',
      links: {
        abs: 'https://arxiv.org/abs/2411.01230v1',
        pdf: 'https://arxiv.org/pdf/2411.01230v1',
        doi: 'https://doi.org/10.1000/edge.2024.123',
      },
      doi: '10.1000/edge.2024.123',
      comment: '14 pages; v2: corrected Table 3',
      source: 'arxiv',
      saved_at: new Date(TUESDAY).toISOString(),
    });
    expect(note.body).toBe(`# ${EDGE.title}\n\n${EDGE.abstract}\n`);
  });

  it('a newer version replaces the note atomically; the same version again asks nothing', async () => {
    const arxiv = client();
    await settle(tool(arxiv).runLocal({ action: 'id', ids: ['2411.01230v1'] }, toolContext()));
    const path = join(inbox(), 'arxiv-2411.01230.md');
    const before = statSync(path).ino;
    await settle(tool(arxiv).runLocal({ action: 'id', ids: ['2411.01230v2'] }, toolContext()));
    expect(readNote(path).front.id).toBe('2411.01230v2');
    // A rename puts a new file in place; an in-place write would keep the inode.
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(inbox())).toEqual(['arxiv-2411.01230.md']);
    const again = await settle(tool(arxiv).runLocal({ action: 'id', ids: ['2411.01230v2'] }, toolContext()));
    expect(fake.requests).toHaveLength(2);
    expect(again.text).toMatch(/Already in your inbox/);
    expect(again.files).toEqual([path]);
  });

  it('searches titles as one ti: phrase, most relevant first', async () => {
    const result = await settle(tool().runLocal(tool().slashCommands[0]?.toParams('Language Models Need "Less" Memory'), toolContext()));
    expect(fake.requests[0]?.params).toEqual({
      search_query: 'ti:"Language Models Need Less Memory"',
      start: '0',
      max_results: '5',
      sortBy: 'relevance',
      sortOrder: 'descending',
    });
    expect(result.text).toContain('Retrieval-Augmented Language Models Need Less Memory');
    expect(result.files).toEqual([join(inbox(), 'arxiv-2410.09876.md')]);
  });

  it('an unknown title or ID is a plain answer', async () => {
    const none = await settle(tool().runLocal({ action: 'title', title: 'no such words' }, toolContext()));
    expect(none.text).toBe('arXiv has no paper titled "no such words".');
    const missing = await settle(tool().runLocal({ action: 'id', ids: ['2501.00001'] }, toolContext()));
    expect(missing.text).toBe('arXiv has no paper 2501.00001.');
  });

  it('spaces requests 3 s apart through one limiter shared by every client on the clock', async () => {
    const first = client();
    const second = client();
    const searches = [
      first.searchByTitle('Small Language Models'),
      second.searchByIds(['2410.09876']),
      first.searchByTitle('Retrieval-Augmented'),
    ];
    await waitFor(() => fake.requests.length === 1, 5000, 'the first request');
    // The next one waits for the clock, however long real time passes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await clock.advance(2999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests).toHaveLength(1);
    await clock.advance(1);
    await waitFor(() => fake.requests.length === 2, 5000, 'the second request');
    await settle(Promise.all(searches), 1000);
    const times = fake.requests.map((r) => r.at);
    expect(times).toHaveLength(3);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(3000);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(3000);
  });

  it('caches answers for cacheTtlMinutes, in SQLite so a restart does not ask again', async () => {
    await settle(client({ cacheTtlMinutes: 10 }).searchByTitle('Small Language Models'));
    const restarted = client({ cacheTtlMinutes: 10 });
    const cached = await settle(restarted.searchByTitle('Small Language Models'));
    expect(cached.map((p) => p.id)).toEqual(['2411.01230v2']);
    expect(fake.requests).toHaveLength(1);
    await clock.advance(10 * 60_000);
    await settle(restarted.searchByTitle('Small Language Models'));
    expect(fake.requests).toHaveLength(2);
  });
});

describe('arXiv errors become clear replies', () => {
  it("arXiv's error entry (HTTP 400 or 200)", async () => {
    fake.respondNext({ status: 400, body: renderErrorFeed('incorrect id format for 1234.12345') });
    const rejected = await settle(tool(client()).runLocal({ action: 'id', ids: ['1234.12345'] }, toolContext()));
    expect(rejected.text).toBe('arXiv rejected the query: incorrect id format for 1234.12345.');
    fake.respondNext({ body: readFileSync(new URL('../fixtures/arxiv/error.xml', import.meta.url), 'utf8') });
    const again = await settle(tool(client()).runLocal({ action: 'title', title: 'anything' }, toolContext()));
    expect(again.text).toBe('arXiv rejected the query: incorrect id format for 1234.12345.');
    expect(fake.requests).toHaveLength(2);
  });

  it('a 503 is retried with backoff, a bounded number of times, then explained', async () => {
    fake.respondNext({ status: 503, headers: { 'retry-after': '20' } }, { status: 503 }, { status: 503 });
    const result = await settle(tool(client({ retries: 2 })).runLocal({ action: 'title', title: 'Small Language Models' }, toolContext()));
    expect(result.text).toBe('arXiv is unavailable right now (HTTP 503); try again in a few minutes.');
    expect(fake.requests).toHaveLength(3);
    const [a, b, c] = fake.requests.map((r) => r.at);
    // Retry-After (20 s) wins over the first backoff step (5 s); the second waits 10 s.
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(20_000);
    expect((c ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(10_000);
  });

  it('a 503 followed by an answer succeeds', async () => {
    fake.respondNext({ status: 503, body: '<html>busy</html>' });
    const papers = await settle(client().searchByTitle('Small Language Models'));
    expect(papers.map((p) => p.id)).toEqual(['2411.01230v2']);
  });

  it('a slow answer times out on the clock', async () => {
    fake.respondNext({ delayMs: 60_000 });
    const reply = tool(client({ retries: 0, requestTimeoutMs: 30_000 })).runLocal({ action: 'title', title: 'Small' }, toolContext());
    await waitFor(() => fake.requests.length === 1, 5000, 'the request');
    await clock.advance(30_000);
    expect((await reply).text).toBe('arXiv did not answer within 30 s; try again later.');
  });

  it('an unreachable arXiv is a network error', async () => {
    await fake.close();
    const result = await settle(tool(client({ retries: 0 })).runLocal({ action: 'title', title: 'Small' }, toolContext()));
    expect(result.text).toBe('I could not reach arXiv (network error); try again later.');
    fake = await FakeArxiv.start();
  });
});

describe('Daily Discover', () => {
  it('pages through the last 24 h of the configured categories', async () => {
    fake.papers.push(...makePapers(450, TUESDAY - HOUR, 60_000, [['cs.CL', 'cs.AI'], ['cs.LG']]));
    fake.papers.push(...makePapers(5, TUESDAY - 30 * HOUR, 60_000).map((p) => ({ ...p, id: p.id.replace('2611.', '2610.') })));
    fake.papers.push({ ...RAG, id: '2611.99999v1', published: new Date(TUESDAY - 2 * HOUR).toISOString(), categories: ['cs.IR'] });
    const result = await settle(client({ pageSize: 200 }).discover());
    expect(result.papers).toHaveLength(450);
    expect(result).toMatchObject({ total: 450, complete: true, quietDay: false, categories: ['cs.AI', 'cs.CL', 'cs.LG'] });
    expect(fake.requests.map((r) => [r.params.start, r.params.max_results])).toEqual([
      ['0', '200'],
      ['200', '200'],
      ['400', '200'],
    ]);
    expect(fake.requests[0]?.params.search_query).toBe(
      '(cat:cs.AI OR cat:cs.CL OR cat:cs.LG) AND submittedDate:[202611231200 TO 202611241200]',
    );
    expect(fake.requests[0]?.params.sortBy).toBe('submittedDate');
    const times = fake.requests.map((r) => r.at);
    expect((times[2] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(6000);
  });

  it('stops at maxResults and says the list is incomplete', async () => {
    fake.papers.push(...makePapers(30, TUESDAY - HOUR, 60_000));
    const result = await settle(client({ pageSize: 10 }).discover({ maxResults: 15 }));
    expect(result.papers).toHaveLength(15);
    expect(result).toMatchObject({ total: 30, complete: false });
    expect(fake.requests.map((r) => r.params.max_results)).toEqual(['10', '5']);
  });

  it('writes a note per paper and lists the newest', async () => {
    fake.papers.push(...makePapers(12, TUESDAY - HOUR, 60_000));
    const ctx = toolContext();
    const result = await settle(tool(client()).runLocal(tool().slashCommands[0]?.toParams('discover'), ctx));
    expect(readdirSync(inbox())).toHaveLength(12);
    expect(result.text).toMatch(/^Daily Discover \(cs\.AI, cs\.CL, cs\.LG, last 24 h\): 12 new papers, newest first:/);
    expect(result.text).toContain('…and 2 more');
    expect(result.files).toHaveLength(12);
    expect(ctx.progressed).toEqual(['Found 12 new papers; saving them to your inbox…']);
    expect(readdirSync(inbox()).some((file) => file.endsWith('.tmp'))).toBe(false);
  });

  it('an empty Saturday is expected, not an error', async () => {
    clock = new FakeClock(SATURDAY);
    const result = await settle(tool(client()).runLocal({ action: 'discover' }, toolContext()));
    expect(result.text).toBe(
      'No new papers (cs.AI, cs.CL, cs.LG, last 24 h): arXiv announces Sunday to Thursday at 20:00 US Eastern (none on Friday and Saturday), and none fell in this window. Next announcement: Sun 29 Nov 20:00 US Eastern.',
    );
    expect(result.data).toMatchObject({ total: 0, quietDay: true });
  });

  it('an empty weekday says the papers have not arrived yet', async () => {
    const result = await settle(tool(client()).runLocal({ action: 'discover' }, toolContext()));
    expect(result.text).toMatch(/^No new papers \(cs\.AI, cs\.CL, cs\.LG, last 24 h\) yet/);
    expect(result.data).toMatchObject({ quietDay: false });
    // A window too short to hold Monday evening's announcement is quiet too.
    const short = await settle(tool(client()).runLocal({ action: 'discover', hours: 6 }, toolContext()));
    expect(short.data).toMatchObject({ quietDay: true });
    expect(short.text).toMatch(/none fell in this window\. Next announcement: Tue 24 Nov 20:00 US Eastern\.$/);
  });
});

describe('dedup through the memory', () => {
  it('a title the memory already holds is answered with the existing note, without asking arXiv', async () => {
    const notes = new FakeNoteIndex();
    await notes.add({ path: join(inbox(), 'mine.md'), title: 'My edge notes', text: 'small language models on the edge' });
    const result = await settle(
      tool(client(), notes).runLocal({ action: 'title', title: 'Small Language Models on the Edge' }, toolContext()),
    );
    expect(fake.requests).toHaveLength(0);
    expect(result.text).toMatch(/^You already have a note on this: \*My edge notes\* \(`inbox\/mine.md`, \d+% similar\)/);
    expect(result.files).toEqual([join(inbox(), 'mine.md')]);
  });

  it('a paper whose abstract is already noted is not written twice; new notes are added to the memory', async () => {
    const notes = new FakeNoteIndex();
    await notes.add({ path: join(inbox(), 'rag.md'), title: 'RAG', text: `${RAG.title}\n\n${RAG.abstract}` });
    const result = await settle(tool(client(), notes).runLocal({ action: 'id', ids: ['2410.09876', '2411.01230'] }, toolContext()));
    expect(readdirSync(inbox())).toEqual(['arxiv-2411.01230.md']);
    expect(result.text).toContain('already noted as *RAG* (`inbox/rag.md`');
    expect(notes.notes.map((n) => n.path)).toEqual([join(inbox(), 'rag.md'), join(inbox(), 'arxiv-2411.01230.md')]);
  });
});

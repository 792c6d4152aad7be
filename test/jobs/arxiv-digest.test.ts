import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PieBrainError } from '../../core/errors.js';
import { OllamaProvider } from '../../core/llm/ollama.js';
import { silentLogger } from '../../core/logger.js';
import { buildDigest, createDigestJob, type DigestDeps } from '../../jobs/arxiv-digest.js';
import { registerDigestCommands } from '../../jobs/digest-commands.js';
import { createPaperSummarizer } from '../../jobs/digest-summary.js';
import { Scheduler } from '../../jobs/scheduler.js';
import { JobRunStore } from '../../storage/job-runs.js';
import { DigestSubscriptions } from '../../storage/subscriptions.js';
import { ArxivClient } from '../../tools/lib/arxiv-client.js';
import { OllamaEmbedder } from '../../tools/lib/ollama-embedder.js';
import { startRuntime } from '../core/runtime-harness.js';
import { FakeArxiv, type FakePaper } from '../fakes/arxiv.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { FakeClock, flushMicrotasks } from '../fakes/clock.js';
import { FakeNoteIndex } from '../fakes/note-index.js';
import { FakeOllama } from '../fakes/ollama.js';
import { waitFor } from '../helpers.js';

const PREFS = `# About me
I work on retrieval-augmented generation and small language models for edge devices.
`;

const papers: FakePaper[] = [
  {
    id: '2611.00001v1',
    title: 'Protein folding with diffusion models',
    abstract: 'We study protein structure prediction using score-based diffusion on molecular graphs.',
    authors: ['A. Bio'],
    categories: ['cs.LG', 'q-bio.BM'],
    published: '2026-11-23T01:00:00Z',
  },
  {
    id: '2611.00002v2',
    title: 'Retrieval-augmented generation for small language models on edge devices',
    abstract: 'A retrieval pipeline that lets small language models answer with citations on edge devices like a Raspberry Pi.',
    authors: ['B. One', 'C. Two', 'D. Three', 'E. Four'],
    categories: ['cs.CL', 'cs.AI'],
    published: '2026-11-23T02:00:00Z',
  },
  {
    id: '2611.00003v1',
    title: 'A survey of graph neural network benchmarks',
    abstract: 'We collect benchmarks for graph neural networks and compare evaluation protocols.',
    authors: ['F. Five'],
    categories: ['cs.LG'],
    published: '2026-11-23T03:00:00Z',
  },
];

type Harness = Awaited<ReturnType<typeof startRuntime>>;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: { now: string; topN?: number; postWhenEmpty?: boolean; deliveryAttempts?: number } = { now: '2026-11-23T08:00:00Z' },
) {
  const clock = new FakeClock(options.now);
  const arxiv = await FakeArxiv.start({ papers, now: () => clock.now() });
  const harness: Harness = await startRuntime({
    clock,
    config: {
      access: { admins: ['fake:owner'] },
      delivery: { maxAttempts: options.deliveryAttempts ?? 10, baseDelayMs: 1000, maxDelayMs: 1000 },
      jobs: { digest: { topN: options.topN ?? 2, postWhenEmpty: options.postWhenEmpty ?? true } },
    },
  });
  cleanups.push(async () => {
    await harness.close();
    await arxiv.close();
  });
  const { runtime } = harness;
  const source = new ArxivClient({
    apiUrl: arxiv.url,
    categories: ['cs.AI', 'cs.CL', 'cs.LG'],
    minIntervalMs: 0,
    cacheTtlMinutes: 0,
    pageSize: 50,
    clock,
    db: runtime.db,
    logger: silentLogger(),
  });
  const notes = new FakeNoteIndex(0.8);
  const deps: DigestDeps = {
    source,
    notes,
    readPrefs: () => PREFS,
    subscriptions: new DigestSubscriptions(runtime.db),
    outbox: runtime.outbox,
    kv: runtime.kv,
    clock,
    logger: silentLogger(),
    config: runtime.options.config,
    paths: runtime.options.paths,
  };
  return { clock, arxiv, harness, runtime, deps, notes };
}

describe('daily arXiv digest', () => {
  it('ranks a paper matching the prefs above unrelated ones, and writes the digest note', async () => {
    const { deps, runtime } = await setup();
    const digest = await buildDigest(deps, new AbortController().signal);
    expect(digest.found).toBe(3);
    expect(digest.ranked[0]?.paper.id).toBe('2611.00002v2');
    expect(digest.ranked[0]?.why).toMatch(/mentions .*retrieval-augmented|mentions .*edge/);
    expect(digest.reply.text).toMatch(/^\*arXiv digest, 2026-11-23\* \(cs\.AI, cs\.CL, cs\.LG\): 2 of 3 new papers/);
    expect(digest.reply.text).toContain('(B. One, C. Two, D. Three et al.)');
    expect(digest.reply.text).toMatch(/https?:\/\/arxiv\.org\/abs\/2611\.00002v2/);
    expect(digest.reply.footer).toBe('local · 0 tok · $0');
    expect(digest.file && readFileSync(digest.file, 'utf8')).toContain('type: digest');
    expect(digest.file).toBe(join(runtime.options.paths.brainDir, 'inbox', 'digest-2026-11-23.md'));
  });

  it('ranks by embedding similarity when an embedder is wired', async () => {
    const { deps } = await setup();
    const vocabulary = ['retrieval', 'edge', 'protein', 'graph'];
    const embed = async (texts: string[]) => texts.map((t) => vocabulary.map((w) => (t.toLowerCase().includes(w) ? 1 : 0)));
    const digest = await buildDigest({ ...deps, embed }, new AbortController().signal);
    expect(digest.ranked[0]?.paper.id).toBe('2611.00002v2');
    expect(digest.ranked[0]?.why).toMatch(/^\d+% close to your interests/);
  });

  it('ranks by keywords when the embedding model is not pulled, as on a fresh install', async () => {
    const { deps } = await setup();
    const ollama = await new FakeOllama({ installed: [{ name: 'qwen2.5:1.5b' }] }).start();
    cleanups.push(() => ollama.close());
    const embedder = new OllamaEmbedder({ host: ollama.host, model: 'all-minilm' });
    const embed = async (texts: string[]) => (await embedder.embed(texts)).map((vector) => Array.from(vector));
    const digest = await buildDigest({ ...deps, embed }, new AbortController().signal);
    expect(ollama.requests.some((request) => request.path === '/api/embed')).toBe(true);
    expect(digest.ranked[0]?.paper.id).toBe('2611.00002v2');
    expect(digest.ranked[0]?.why).toMatch(/^mentions /);
    expect(digest.reply.text).toMatch(/2 of 3 new papers/);
  });

  it('adds one-line summaries from the local model within the time budget, and counts their tokens', async () => {
    const { deps } = await setup();
    const ollama = await new FakeOllama().start();
    cleanups.push(() => ollama.close());
    ollama.onChat((request) => ({
      content: request.messages.at(-1)?.content.includes('Retrieval-augmented') ? 'A RAG pipeline\nfor small models.' : 'Something else.',
      promptEvalCount: 40,
      evalCount: 8,
    }));
    const llm = new OllamaProvider({ host: ollama.host, model: 'qwen2.5:1.5b', keepAlive: '30m' });
    const config = { ...deps.config, jobs: { ...deps.config.jobs, digest: { ...deps.config.jobs.digest, summaries: true } } };
    const digest = await buildDigest({ ...deps, config, summarize: createPaperSummarizer(llm) }, new AbortController().signal);
    expect(digest.reply.text).toContain('   A RAG pipeline for small models.');
    expect(digest.reply.footer).toBe('local · 96 tok · $0');
    expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(2);
  });

  it('drops papers already posted and papers too close to an existing note', async () => {
    const { deps, notes, runtime } = await setup({ now: '2026-11-23T08:00:00Z', topN: 1 });
    deps.subscriptions.subscribe({ platform: 'fake', chatId: 'lab' }, 'fake:owner', 0);
    await notes.add({ path: '/brain/inbox/gnn.md', title: 'GNN', text: `${papers[2]?.title}\n\n${papers[2]?.abstract}` });
    const job = createDigestJob(deps);
    expect(await job.run({ scheduledFor: 0, caughtUp: false, signal: new AbortController().signal })).toBe(
      '1 papers (of 3 found) queued to 1 channels',
    );
    const second = await buildDigest(deps, new AbortController().signal);
    expect(second.ranked.map((r) => r.paper.id)).toEqual(['2611.00001v1']);
    expect(runtime.kv.get<string[]>('digest:seen')).toEqual(['2611.00002']);
  });

  it('on a day arXiv announces nothing, says so (or posts nothing when configured)', async () => {
    const quiet = await setup({ now: '2026-11-28T12:00:00Z' });
    const digest = await buildDigest(quiet.deps, new AbortController().signal);
    expect(digest.quietDay).toBe(true);
    expect(digest.reply.text).toMatch(/no new papers today in cs\.AI, cs\.CL, cs\.LG\. arXiv announces Sunday to Thursday/);
    expect(digest.file).toBeUndefined();
    const silent = await setup({ now: '2026-11-28T12:00:00Z', postWhenEmpty: false });
    silent.deps.subscriptions.subscribe({ platform: 'fake', chatId: 'lab' }, 'fake:owner', 0);
    const summary = await createDigestJob(silent.deps).run({ scheduledFor: 0, caughtUp: false, signal: new AbortController().signal });
    expect(summary).toBe('nothing new (0 found); nothing posted');
    expect(silent.runtime.outbox.counts().pending).toBe(0);
  });

  it('posts to every subscribed platform; a failing one is retried, then the admins are told; the others are delivered', async () => {
    const { deps, runtime, clock, harness } = await setup({ now: '2026-11-23T06:59:00Z', deliveryAttempts: 3 });
    const slack = new FakeChatAdapter('slack');
    const discord = new FakeChatAdapter('discord');
    runtime.addAdapter(slack);
    runtime.addAdapter(discord);
    const down = () => new PieBrainError('PLATFORM_UNAVAILABLE', 'HTTP 502');
    discord.failNext(down(), down(), down());
    deps.subscriptions.subscribe({ platform: 'fake', chatId: 'general' }, 'fake:owner', 0);
    deps.subscriptions.subscribe({ platform: 'slack', chatId: 'C1', threadId: 'ignored' }, 'slack:U1', 0);
    deps.subscriptions.subscribe({ platform: 'discord', chatId: 'D1' }, 'discord:9', 0);
    const scheduler = new Scheduler({
      runs: new JobRunStore(runtime.db),
      kv: runtime.kv,
      clock,
      logger: silentLogger(),
      timeZone: 'Europe/Berlin',
      graceMs: 3_600_000,
    });
    scheduler.add(createDigestJob(deps));
    scheduler.start();
    cleanups.push(() => scheduler.stop(10));
    await clock.advance(60_000);
    await waitFor(() => scheduler.status()[0]?.lastRun?.status !== 'running', 10_000, 'the digest run');
    for (let i = 0; i < 10; i += 1) await clock.advance(1_500);
    await flushMicrotasks();
    expect(scheduler.status()[0]?.lastRun).toMatchObject({ status: 'ok', detail: '2 papers (of 3 found) queued to 3 channels' });
    expect(harness.adapter.sent.filter((m) => m.address.chatId === 'general')).toHaveLength(1);
    expect(slack.texts()[0]).toMatch(/^\*arXiv digest, 2026-11-23\*/);
    expect(discord.sent).toHaveLength(0);
    const rows = runtime.outbox.counts();
    expect(rows.failed).toBe(1);
    const alert = harness.adapter.sent.find((m) => m.address.chatId === 'dm:owner');
    expect(alert?.reply.text).toMatch(/Could not deliver a post to discord chat D1 after 3 tries \(PLATFORM_UNAVAILABLE\)/);
    const commands = runtime.commands;
    registerDigestCommands(commands, { ...deps, scheduler: () => scheduler });
    const status = await harness.adapter.receive('/digest status');
    if (status.status !== 'queued') throw new Error(status.status);
    await clock.advance(1000);
    await runtime.intake.whenAnswered(status.taskId);
    const text = harness.adapter.sent.at(-1)?.reply.text ?? '';
    expect(text).toMatch(/fake general: delivered \(message fake-\d+\)/);
    expect(text).toMatch(/slack C1: delivered \(message slack-1\)/);
    expect(text).toMatch(/discord D1: not delivered after 3 tries: PLATFORM_UNAVAILABLE: HTTP 502/);
  });

  it('/digest subscribe and unsubscribe work in the channel they are typed in', async () => {
    const { deps, runtime, harness, clock } = await setup();
    registerDigestCommands(runtime.commands, { ...deps, scheduler: () => undefined });
    const say = async (text: string) => {
      const result = await harness.adapter.receive(text, { address: { platform: 'fake', chatId: 'room-5', threadId: 't' } });
      if (result.status !== 'queued') throw new Error(result.status);
      await clock.advance(10);
      await runtime.intake.whenAnswered(result.taskId);
      return harness.adapter.sent.at(-1)?.reply.text;
    };
    expect(await say('/digest subscribe')).toMatch(/^Subscribed: this channel gets the arXiv digest/);
    expect(await say('/digest subscribe')).toBe('This channel is already subscribed.');
    expect(deps.subscriptions.list()).toEqual([
      { address: { platform: 'fake', chatId: 'room-5', threadId: 't' }, createdBy: 'fake:owner', createdAt: expect.any(Number) },
    ]);
    expect(await say('/digest settings')).toMatch(/subscribed channels: 1 \(this one included\)/);
    expect(await say('/digest unsubscribe')).toBe('Unsubscribed: no more digests here.');
    expect(deps.subscriptions.list()).toEqual([]);
    expect(await say('/digest now')).toMatch(/^\*arXiv digest, 2026-11-23\*/);
    expect(existsSync(join(runtime.options.paths.brainDir, 'inbox', 'digest-2026-11-23.md'))).toBe(true);
  });
});

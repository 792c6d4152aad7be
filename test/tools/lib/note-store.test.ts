import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../../core/contracts/embedder.js';
import { NoteStore, type NoteStoreOptions } from '../../../tools/lib/note-store.js';
import { OllamaEmbedder } from '../../../tools/lib/ollama-embedder.js';
import { TransformersEmbedder } from '../../../tools/lib/transformers-embedder.js';
import { describeNoteIndexContract } from '../../contracts/note-index.js';
import { FakeOllama } from '../../fakes/ollama.js';
import { ABSTRACTS } from '../../fixtures/abstracts.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../../fixtures/tiny-embedder.js';
import { quietLogger, tempDir } from '../../helpers.js';

const ollama = new FakeOllama();
let ollamaHost = '';
beforeAll(async () => {
  ollamaHost = (await ollama.start()).host;
});
afterAll(() => ollama.close());

let dir: ReturnType<typeof tempDir>;
const open: NoteStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  dir?.remove();
});

function tinyEmbedder(): TransformersEmbedder {
  return new TransformersEmbedder({ model: TINY_MODEL, modelsDir: TINY_MODELS_DIR });
}

function createStore(
  options: { embedder?: Embedder; inbox?: boolean; onAvailability?: NoteStoreOptions['onAvailability'] } = {},
): NoteStore {
  const store = new NoteStore({
    ...(options.onAvailability ? { onAvailability: options.onAvailability } : {}),
    dir: join(dir.path, 'vectors'),
    embedder: options.embedder ?? tinyEmbedder(),
    dedupThreshold: 0.8,
    logger: quietLogger(),
    ...(options.inbox === false ? {} : { inboxDir: join(dir.path, 'inbox') }),
    now: () => Date.UTC(2026, 10, 23),
  });
  open.push(store);
  return store;
}

function writeInbox(name: string, paper: { title: string; text: string }): string {
  mkdirSync(join(dir.path, 'inbox'), { recursive: true });
  const path = join(dir.path, 'inbox', name);
  writeFileSync(path, `---\nid: "2611.00001"\ntitle: "${paper.title}"\n---\n\n${paper.text}\n`);
  return path;
}

describeNoteIndexContract('LanceDB NoteStore with the tiny fixture model', async () => {
  const own = tempDir();
  const store = new NoteStore({ dir: join(own.path, 'vectors'), embedder: tinyEmbedder(), dedupThreshold: 0.8, logger: quietLogger() });
  return {
    index: store,
    close: async () => {
      await store.close();
      own.remove();
    },
  };
});

describe('NoteStore (LanceDB + transformers.js, offline)', () => {
  it('catches the same abstract twice and lets an unrelated one through', async () => {
    dir = tempDir();
    const store = createStore({ inbox: false });
    const path = join(dir.path, 'rag.md');
    await store.add({ path, ...ABSTRACTS.rag });
    const again = await store.findSimilar(ABSTRACTS.rag.text);
    expect(again).toEqual({ path, title: ABSTRACTS.rag.title, similarity: expect.any(Number) });
    expect(again?.similarity).toBeGreaterThan(0.99);
    expect(await store.findSimilar(ABSTRACTS.galaxies.text)).toBeUndefined();
    expect(await store.findSimilar(ABSTRACTS.proteins.text)).toBeUndefined();
  });

  it('ranks the note about the query first, with similarity = 1 - cosine distance', async () => {
    dir = tempDir();
    const store = createStore({ inbox: false });
    for (const [name, paper] of Object.entries(ABSTRACTS)) await store.add({ path: join(dir.path, `${name}.md`), ...paper });
    const hits = await store.search('dark matter in galaxies', 4);
    expect(hits.map((hit) => hit.title)[0]).toBe(ABSTRACTS.galaxies.title);
    expect(hits).toHaveLength(4);
    for (let i = 1; i < hits.length; i += 1) expect(hits[i - 1]?.similarity).toBeGreaterThanOrEqual(hits[i]?.similarity as number);
    const [robot] = await store.search('robot navigation policy', 1);
    expect(robot?.path).toBe(join(dir.path, 'robots.md'));
    expect(robot?.createdAt).toBe(Date.UTC(2026, 10, 23));
  });

  it('updates a note added again under the same path instead of doubling it', async () => {
    dir = tempDir();
    const store = createStore({ inbox: false });
    const path = join(dir.path, 'note.md');
    await store.add({ path, ...ABSTRACTS.rag });
    await store.add({ path, title: 'Renamed', text: ABSTRACTS.rag.text });
    expect(await store.count()).toBe(1);
    expect((await store.search('retrieval', 1))[0]?.title).toBe('Renamed');
  });

  it('opens nothing heavy while there is nothing to compare with', async () => {
    dir = tempDir();
    const embedder = tinyEmbedder();
    const store = createStore({ embedder });
    expect(await store.findSimilar('anything at all')).toBeUndefined();
    expect(await store.search('anything')).toEqual([]);
    expect(embedder.isLoaded()).toBe(false);
  });

  it('indexes inbox notes it lacks on first use, and forgets notes whose file is gone', async () => {
    dir = tempDir();
    const rag = writeInbox('2026-11-20-rag.md', ABSTRACTS.rag);
    writeInbox('2026-11-21-galaxies.md', ABSTRACTS.galaxies);
    const first = createStore();
    expect(await first.count()).toBe(2);
    expect((await first.findSimilar(ABSTRACTS.rag.text))?.path).toBe(rag);
    await first.close();

    // While pie-brain was stopped: one note deleted, one written.
    rmSync(rag);
    writeInbox('2026-11-22-robots.md', ABSTRACTS.robots);
    const second = createStore();
    expect(await second.count()).toBe(2);
    expect(await second.findSimilar(ABSTRACTS.rag.text)).toBeUndefined();
    expect((await second.search('robot lidar navigation', 1))[0]?.title).toBe(ABSTRACTS.robots.title);
  });

  it('keeps its vectors across restarts without embedding them again', async () => {
    dir = tempDir();
    writeInbox('a.md', ABSTRACTS.proteins);
    await createStore().count();
    const embedder = tinyEmbedder();
    const reopened = createStore({ embedder });
    expect(await reopened.count()).toBe(1);
    expect(embedder.isLoaded()).toBe(false);
  });

  it('rebuilds from the inbox when the embedding model changes', async () => {
    dir = tempDir();
    writeInbox('rag.md', ABSTRACTS.rag);
    writeInbox('galaxies.md', ABSTRACTS.galaxies);
    const before = createStore();
    await before.add({ path: join(dir.path, 'elsewhere.md'), ...ABSTRACTS.proteins });
    expect(await before.count()).toBe(3);
    await before.close();
    const after = createStore({ embedder: new OllamaEmbedder({ host: ollamaHost, model: 'nomic-embed-text' }) });
    expect(await after.count()).toBe(2);
    expect((await after.search('dark matter galaxies', 1))[0]?.title).toBe(ABSTRACTS.galaxies.title);
  });

  it('reindex drops everything and indexes the inbox again', async () => {
    dir = tempDir();
    writeInbox('rag.md', ABSTRACTS.rag);
    const store = createStore();
    await store.add({ path: join(dir.path, 'not-in-inbox.md'), ...ABSTRACTS.proteins });
    writeInbox('robots.md', ABSTRACTS.robots);
    expect(await store.count()).toBe(2);
    expect(await store.reindex()).toBe(2);
    expect(await store.count()).toBe(2);
    expect(await store.findSimilar(ABSTRACTS.proteins.text)).toBeUndefined();
    expect(await store.findSimilar(ABSTRACTS.robots.text)).toBeDefined();
  });

  it('without the embedding model: keeps notes for later, finds nothing similar, and says so once per change', async () => {
    dir = tempDir();
    writeInbox('rag.md', ABSTRACTS.rag);
    const model = 'all-minilm';
    ollama.installed = ollama.installed.filter((installed) => !installed.name.startsWith(model));
    const changes: Array<string | undefined> = [];
    const store = createStore({
      embedder: new OllamaEmbedder({ host: ollamaHost, model }),
      onAvailability: (problem) => changes.push(problem?.code),
    });
    expect(await store.findSimilar(ABSTRACTS.rag.text)).toBeUndefined();
    await store.add({ path: writeInbox('robots.md', ABSTRACTS.robots), ...ABSTRACTS.robots });
    await expect(store.search('robots')).rejects.toMatchObject({ code: 'MODEL_MISSING' });
    expect(store.unavailable()?.userMessage).toContain(`ollama pull ${model}`);
    expect(changes).toEqual(['MODEL_MISSING']);
    // The model arrives: both inbox notes are indexed on the next call, and one more change is reported.
    ollama.installed.push({ name: `${model}:latest`, family: 'bert' });
    expect((await store.search('robots grasping objects', 1))[0]?.title).toBe(ABSTRACTS.robots.title);
    expect(await store.count()).toBe(2);
    expect(store.unavailable()).toBeUndefined();
    expect(changes).toEqual(['MODEL_MISSING', undefined]);
  });
});

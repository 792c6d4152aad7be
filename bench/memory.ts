// bench/memory: 10,000 notes in LanceDB; top-5 search latency, and embedding throughput of the fixture model.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Embedder } from '../core/contracts/embedder.js';
import { silentLogger } from '../core/logger.js';
import { NoteStore } from '../tools/lib/note-store.js';
import { TransformersEmbedder } from '../tools/lib/transformers-embedder.js';
import { percentile, report } from './report.js';

const NOTES = Number(process.env.BENCH_MEMORY_NOTES ?? 10_000);
const QUERIES = Number(process.env.BENCH_MEMORY_QUERIES ?? 200);
const EMBED_TEXTS = Number(process.env.BENCH_MEMORY_EMBED_TEXTS ?? 2_000);
const WORDS_PER_NOTE = 150;
const FIXTURE_MODEL = 'pie-brain/tiny-embedder';

// Run as dist/bench/memory.js or from source: the fixture is found from the repository root either way.
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'pie-brain') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench/memory: cannot find the pie-brain repository root');
    dir = parent;
  }
}

// A seeded generator: every run measures the same texts and vectors.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Abstract-like texts: each note leans on one of 100 topics drawn from the fixture's vocabulary. */
function makeTexts(count: number, vocabulary: readonly string[], seed: number): string[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const topics = Array.from({ length: 100 }, () => Array.from({ length: 40 }, () => pick(vocabulary)));
  return Array.from({ length: count }, () => {
    const topic = pick(topics);
    return Array.from({ length: WORDS_PER_NOTE }, () => (random() < 0.7 ? pick(topic) : pick(vocabulary))).join(' ');
  });
}

/** Unit vectors of MiniLM's size (384), to time LanceDB at the dimension the Pi really uses. */
class RandomEmbedder implements Embedder {
  readonly id = 'bench:random-384';
  private readonly random = mulberry32(7);
  isLoaded(): boolean {
    return true;
  }
  async unload(): Promise<void> {}
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map(() => {
      const vector = Float32Array.from({ length: 384 }, () => this.random() * 2 - 1);
      const norm = Math.hypot(...vector);
      return vector.map((value) => value / norm);
    });
  }
}

function notesOf(texts: readonly string[]) {
  return texts.map((text, i) => ({ path: `/bench/inbox/note-${i}.md`, title: `Note ${i}`, text }));
}

async function timeSearches(store: NoteStore, vectors: readonly Float32Array[]): Promise<number[]> {
  for (const vector of vectors.slice(0, 10)) await store.searchVector(vector, 5);
  const times: number[] = [];
  for (const vector of vectors) {
    const started = performance.now();
    const hits = await store.searchVector(vector, 5);
    times.push(performance.now() - started);
    if (hits.length !== 5) throw new Error(`expected 5 hits, got ${hits.length}`);
  }
  return times;
}

async function benchStore(
  name: string,
  embedder: Embedder,
  texts: readonly string[],
  queryVectors: readonly Float32Array[],
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-memory-'));
  const store = new NoteStore({ dir, embedder, dedupThreshold: 0.8, logger: silentLogger() });
  try {
    const settings = { embedder: name, notes: texts.length, dim: queryVectors[0]?.length ?? 0 };
    const started = performance.now();
    await store.addMany(notesOf(texts));
    report('memory', 'index_notes_s', (performance.now() - started) / 1000, 's', { ...settings, includes: 'embedding + LanceDB writes' });
    const times = await timeSearches(store, queryVectors);
    report('memory', 'search_top5_p50', percentile(times, 50), 'ms', { ...settings, queries: times.length, target: 20 });
    report('memory', 'search_top5_p95', percentile(times, 95), 'ms', { ...settings, queries: times.length });
    if (embedder instanceof TransformersEmbedder) {
      const queries = texts.slice(0, 50).map((text) => text.split(' ').slice(0, 8).join(' '));
      const endToEnd: number[] = [];
      for (const query of queries) {
        const begun = performance.now();
        await store.search(query, 5);
        endToEnd.push(performance.now() - begun);
      }
      report('memory', 'query_embed_and_search_p50', percentile(endToEnd, 50), 'ms', { ...settings, queries: queries.length });
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const modelsDir = join(findRepoRoot(), 'test', 'fixtures', 'models');
  const tokenizer = JSON.parse(readFileSync(join(modelsDir, FIXTURE_MODEL, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number> };
  };
  const vocabulary = Object.keys(tokenizer.model.vocab).filter((word) => /^[a-z]{3,}$/.test(word));
  const texts = makeTexts(NOTES, vocabulary, 1);
  const queries = makeTexts(QUERIES, vocabulary, 2);

  const fixture = new TransformersEmbedder({ model: FIXTURE_MODEL, modelsDir });
  const rssBefore = process.memoryUsage().rss;
  const loadStarted = performance.now();
  await fixture.embed(['warm up']);
  report('memory', 'model_load_ms', performance.now() - loadStarted, 'ms', { embedder: 'fixture' });
  report('memory', 'rss_growth_on_load_mb', (process.memoryUsage().rss - rssBefore) / 1e6, 'MB', {
    embedder: 'fixture',
    note: 'ONNX Runtime and transformers.js themselves; the real model adds its weights',
  });
  const sample = texts.slice(0, EMBED_TEXTS);
  const embedStarted = performance.now();
  await fixture.embed(sample);
  const seconds = (performance.now() - embedStarted) / 1000;
  report('memory', 'embed_texts_per_s', sample.length / seconds, 'texts/s', {
    embedder: 'fixture',
    texts: sample.length,
    wordsPerText: WORDS_PER_NOTE,
  });

  await benchStore('fixture', fixture, texts, await fixture.embed(queries));
  const random = new RandomEmbedder();
  await benchStore('random-384', random, texts, await random.embed(queries));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/memory failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeArxiv } from '../fakes/arxiv.js';
import { FakeOllama } from '../fakes/ollama.js';
import { tempDir } from '../helpers.js';
import { chatThroughConsole } from './console-chat.js';

const dir = tempDir();
// A fresh install: Ollama runs and has the router model, but nobody pulled the embedding model yet.
const ollama = new FakeOllama({ installed: [{ name: 'qwen2.5:1.5b' }] });
let arxiv: FakeArxiv;

beforeAll(async () => {
  await ollama.start();
  arxiv = await FakeArxiv.start({
    papers: [
      {
        id: '1706.03762v7',
        title: 'Attention Is All You Need',
        abstract: 'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks.',
        authors: ['Ashish Vaswani', 'Noam Shazeer'],
        categories: ['cs.CL', 'cs.LG'],
        published: '2017-06-12T17:57:34Z',
      },
    ],
  });
});
afterAll(async () => {
  await ollama.close();
  await arxiv.close();
  dir.remove();
});

/** The compiled pie-brain on embedded defaults (memory.embedder: ollama), console chat with piped input. */
function start(input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return chatThroughConsole(
    input,
    {
      HOME: dir.path,
      PIE_BRAIN_HOME: join(dir.path, 'home'),
      PIE_BRAIN_BRAIN_DIR: join(dir.path, 'brain'),
      OLLAMA_HOST: ollama.host,
      ARXIV_API_URL: arxiv.url,
    },
    60_000,
  );
}

describe('a fresh install without the embedding model (compiled pie-brain, console chat)', () => {
  it('files /arxiv papers, matches them again by ID, saves notes, and says search waits for the model', async () => {
    const first = await start('/arxiv 1706.03762\n/memory save Quantized models run well on a Raspberry Pi\n/memory raspberry\n');
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain('is not installed');
    expect(first.stdout).toContain('*Attention Is All You Need* (1706.03762v7');
    const inbox = join(dir.path, 'brain', 'inbox');
    expect(readFileSync(join(inbox, 'arxiv-1706.03762.md'), 'utf8')).toContain('title: Attention Is All You Need');
    expect(first.stdout).toMatch(
      /Saved \*Quantized models run well on a Raspberry Pi\*.*Search by meaning resumes once the embedding model is there/,
    );
    expect(first.stdout).toMatch(
      /I cannot search by meaning right now \(Ollama does not have the embedding model all-minilm.*\), so I searched by words instead\.\n\n\*Notes containing\* .raspberry.:\n1\. \*Quantized models run well on a Raspberry Pi\*/,
    );
    expect(readdirSync(inbox)).toHaveLength(2);

    // The same ID again: found in the inbox by its arXiv ID, arXiv is not asked twice.
    const asked = arxiv.requests.length;
    const again = await start('/arxiv 1706.03762\n');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Already in your inbox');
    expect(arxiv.requests.length).toBe(asked);

    // Once the model is pulled, the notes saved meanwhile are indexed and found by meaning.
    ollama.installed.push({ name: 'all-minilm:latest', family: 'bert' });
    const later = await start('/memory quantized models raspberry pi\n');
    expect(later.code).toBe(0);
    expect(later.stdout).toContain('*Notes closest to*');
    expect(later.stdout).toContain('Quantized models run well on a Raspberry Pi');
  });
});

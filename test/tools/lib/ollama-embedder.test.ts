import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPieBrainError, isRetryable } from '../../../core/errors.js';
import { NoteStore } from '../../../tools/lib/note-store.js';
import { OllamaEmbedder } from '../../../tools/lib/ollama-embedder.js';
import { describeEmbedderContract, SAMPLE } from '../../contracts/embedder.js';
import { FakeOllama, hashedBagOfWords } from '../../fakes/ollama.js';
import { quietLogger, tempDir } from '../../helpers.js';

const fake = new FakeOllama();
let host = '';
const dir = tempDir();

beforeAll(async () => {
  host = (await fake.start()).host;
  // Raw vectors, not unit length: the contract below then checks the embedder's own normalisation.
  fake.onEmbed((inputs) => inputs.map((text) => hashedBagOfWords(text)));
});
afterAll(async () => {
  await fake.close();
  dir.remove();
});
afterEach(() => {
  fake.reset();
});

describeEmbedderContract('Ollama /api/embed (loopback fake)', async () => {
  const embedder = new OllamaEmbedder({ host, model: 'nomic-embed-text' });
  return { embedder, close: () => embedder.unload() };
});

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('OllamaEmbedder', () => {
  it('sends all texts in one /api/embed call with the configured model and keep-alive', async () => {
    const embedder = new OllamaEmbedder({ host, model: 'nomic-embed-text', keepAlive: '5m' });
    const before = fake.requests.length;
    await embedder.embed(['first text', 'second text']);
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.path).toBe('/api/embed');
    expect(sent[0]?.body).toEqual({ model: 'nomic-embed-text', input: ['first text', 'second text'], truncate: true, keep_alive: '5m' });
    expect(embedder.isLoaded()).toBe(false);
  });

  it('names the fix when Ollama lacks the model (not retryable)', async () => {
    const embedder = new OllamaEmbedder({ host, model: 'mxbai-embed-large' });
    const error = await failureOf(embedder.embed(['x']));
    expect(isPieBrainError(error) && error.code).toBe('MODEL_MISSING');
    expect(isPieBrainError(error) && error.userMessage).toContain('ollama pull mxbai-embed-large');
    expect(isRetryable(error)).toBe(false);
  });

  it('reports a server error as Ollama being unavailable (retryable)', async () => {
    fake.answerEmbed({ status: 500, error: 'out of memory' });
    const error = await failureOf(new OllamaEmbedder({ host, model: 'nomic-embed-text' }).embed(['x']));
    expect(isPieBrainError(error) && error.code).toBe('LLM_UNAVAILABLE');
    expect(isRetryable(error)).toBe(true);
  });

  it('reports a refused connection as Ollama being unavailable', async () => {
    const closed = await new FakeOllama().start();
    const closedHost = closed.host;
    await closed.close();
    const error = await failureOf(new OllamaEmbedder({ host: closedHost, model: 'nomic-embed-text' }).embed(['x']));
    expect(isPieBrainError(error) && error.code).toBe('LLM_UNAVAILABLE');
  });

  it('gives up on a slow answer after its timeout', async () => {
    fake.answerEmbed({ delayMs: 2_000 });
    const error = await failureOf(new OllamaEmbedder({ host, model: 'nomic-embed-text', timeoutMs: 100 }).embed(['x']));
    expect(isPieBrainError(error) && error.code).toBe('TIMEOUT');
  });

  it('passes the caller’s cancellation through unchanged', async () => {
    fake.answerEmbed({ delayMs: 2_000 });
    const controller = new AbortController();
    const pending = failureOf(new OllamaEmbedder({ host, model: 'nomic-embed-text' }).embed(['x'], controller.signal));
    setTimeout(() => controller.abort(new Error('task cancelled')), 50);
    expect(((await pending) as Error).message).toBe('task cancelled');
  });

  it('rejects an answer with the wrong number of vectors', async () => {
    fake.answerEmbed({ embeddings: [hashedBagOfWords('a')] });
    const error = await failureOf(new OllamaEmbedder({ host, model: 'nomic-embed-text' }).embed(['a', 'b']));
    expect(isPieBrainError(error) && error.code).toBe('LLM_BAD_OUTPUT');
  });

  it('drives the dedup rule of the note store like the in-process model does', async () => {
    const store = new NoteStore({
      dir: `${dir.path}/vectors`,
      embedder: new OllamaEmbedder({ host, model: 'nomic-embed-text' }),
      dedupThreshold: 0.8,
      logger: quietLogger(),
    });
    await store.add({ path: `${dir.path}/rag.md`, title: 'RAG', text: SAMPLE.rag });
    expect(await store.findSimilar(SAMPLE.rag)).toMatchObject({ path: `${dir.path}/rag.md`, title: 'RAG' });
    expect(await store.findSimilar(SAMPLE.cooking)).toBeUndefined();
    await store.close();
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { isPieBrainError } from '../../../core/errors.js';
import { TransformersEmbedder } from '../../../tools/lib/transformers-embedder.js';
import { describeEmbedderContract } from '../../contracts/embedder.js';
import { FakeClock } from '../../fakes/clock.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../../fixtures/tiny-embedder.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describeEmbedderContract('transformers.js with the tiny fixture model', async () => {
  const embedder = new TransformersEmbedder({ model: TINY_MODEL, modelsDir: TINY_MODELS_DIR });
  return { embedder, close: () => embedder.unload() };
});

describe('TransformersEmbedder', () => {
  it('loads the model on the first embed, not before, and can free it again', async () => {
    const embedder = new TransformersEmbedder({ model: TINY_MODEL, modelsDir: TINY_MODELS_DIR });
    expect(embedder.id).toBe(`transformers:${TINY_MODEL}`);
    expect(embedder.isLoaded()).toBe(false);
    const [vector] = await embedder.embed(['a note about quantization on edge devices']);
    expect(vector?.length).toBe(128);
    expect(embedder.isLoaded()).toBe(true);
    await embedder.unload();
    expect(embedder.isLoaded()).toBe(false);
    const [again] = await embedder.embed(['a note about quantization on edge devices']);
    expect(Array.from(again as Float32Array)).toEqual(Array.from(vector as Float32Array));
  });

  it('frees the model after the idle time and loads it again when needed', async () => {
    const clock = new FakeClock();
    const embedder = new TransformersEmbedder({ model: TINY_MODEL, modelsDir: TINY_MODELS_DIR, idleUnloadMs: 60_000, clock });
    await embedder.embed(['first use']);
    expect(embedder.isLoaded()).toBe(true);
    await clock.advance(59_000);
    expect(embedder.isLoaded()).toBe(true);
    await embedder.embed(['used again: the idle time starts over']);
    await clock.advance(59_000);
    expect(embedder.isLoaded()).toBe(true);
    await clock.advance(1_000);
    expect(embedder.isLoaded()).toBe(false);
    expect(clock.nextTimerAt()).toBeUndefined();
    expect(await embedder.embed(['back again'])).toHaveLength(1);
    await embedder.unload();
  });

  it('batches long lists and keeps their order', async () => {
    const embedder = new TransformersEmbedder({ model: TINY_MODEL, modelsDir: TINY_MODELS_DIR, batchSize: 3 });
    const texts = ['robot', 'galaxy', 'bread', 'protein', 'football', 'compiler', 'robot'];
    const vectors = await embedder.embed(texts);
    const singles = await Promise.all(texts.map(async (text) => (await embedder.embed([text]))[0] as Float32Array));
    expect(vectors.map((v) => Array.from(v))).toEqual(singles.map((v) => Array.from(v)));
    await embedder.unload();
  });

  it('says how to install a missing model instead of reaching for the internet', async () => {
    const embedder = new TransformersEmbedder({ model: 'Xenova/all-MiniLM-L6-v2', modelsDir: dir.path });
    const error = await embedder.embed(['anything']).catch((caught: unknown) => caught);
    expect(isPieBrainError(error) && error.code).toBe('MODEL_MISSING');
    expect(isPieBrainError(error) && error.userMessage).toContain('pie-brain models pull');
    expect(embedder.isLoaded()).toBe(false);
  });

  it('stops between batches when the caller aborts', async () => {
    const embedder = new TransformersEmbedder({ model: TINY_MODEL, modelsDir: TINY_MODELS_DIR, batchSize: 1 });
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    await expect(embedder.embed(['one', 'two'], controller.signal)).rejects.toThrow('user cancelled');
    await embedder.unload();
  });
});

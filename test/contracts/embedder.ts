import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../core/contracts/embedder.js';

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i += 1) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

/** Texts every embedder under test must tell apart (the fixture model knows these words). */
export const SAMPLE = {
  rag: 'Retrieval augmented generation lets small language models answer questions with documents from a corpus.',
  ragAgain: 'Small language models answer questions better with retrieval augmented generation over a document corpus.',
  cooking: 'Bake the bread in the oven, then add tomato sauce, garlic and cheese for dinner.',
};

/**
 * The one contract every Embedder (transformers.js, Ollama) runs: vectors in order, unit length, one
 * dimension, deterministic, and closer for texts about the same thing.
 */
export function describeEmbedderContract(name: string, create: () => Promise<{ embedder: Embedder; close(): Promise<void> }>): void {
  describe(`Embedder contract: ${name}`, () => {
    it('has an id naming its model', async () => {
      const { embedder, close } = await create();
      expect(embedder.id).toMatch(/^[a-z]+:.+/);
      await close();
    });

    it('answers no texts with no vectors', async () => {
      const { embedder, close } = await create();
      expect(await embedder.embed([])).toEqual([]);
      await close();
    });

    it('returns one unit-length vector per text, in order, all of one dimension, the same for the same text', async () => {
      const { embedder, close } = await create();
      const vectors = await embedder.embed([SAMPLE.rag, SAMPLE.cooking, SAMPLE.rag]);
      expect(vectors).toHaveLength(3);
      const [rag, cooking, ragTwice] = vectors as [Float32Array, Float32Array, Float32Array];
      expect(new Set(vectors.map((v) => v.length)).size).toBe(1);
      expect(rag.length).toBeGreaterThan(1);
      for (const vector of vectors) expect(norm(vector)).toBeCloseTo(1, 4);
      expect(cosine(rag, ragTwice)).toBeCloseTo(1, 5);
      expect(cosine(rag, cooking)).toBeLessThan(0.99);
      const [single] = await embedder.embed([SAMPLE.cooking]);
      expect(cosine(single as Float32Array, cooking)).toBeCloseTo(1, 5);
      await close();
    });

    it('puts texts about the same thing closer than unrelated ones', async () => {
      const { embedder, close } = await create();
      const [rag, ragAgain, cooking] = (await embedder.embed([SAMPLE.rag, SAMPLE.ragAgain, SAMPLE.cooking])) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      expect(cosine(rag, ragAgain)).toBeGreaterThan(cosine(rag, cooking) + 0.3);
      await close();
    });
  });
}

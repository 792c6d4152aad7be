import { createHash } from 'node:crypto';

/**
 * A bag of hashed words, unnormalised: texts that share words get close vectors, so similarity search
 * and dedup behave as with a real embedding model. Pass it to FakeOllama.onEmbed to serve raw vectors.
 */
export function hashedBagOfWords(text: string, dimensions = 64): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const digest = createHash('sha256').update(word).digest();
    for (let i = 0; i < dimensions; i += 1) vector[i] = (vector[i] as number) + ((digest[i % digest.length] as number) - 127.5) / 10;
  }
  return vector;
}

/** Unit length, as Ollama's /api/embed returns its vectors (a zero vector stays zero). */
export function normalized(vector: readonly number[]): number[] {
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

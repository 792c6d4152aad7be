import type { IndexedNote, NoteIndex, SimilarNote } from '../../core/contracts/note-index.js';

function words(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  for (const [word, count] of a) dot += count * (b.get(word) ?? 0);
  const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((sum, c) => sum + c * c, 0));
  const denominator = norm(a) * norm(b);
  return denominator === 0 ? 0 : dot / denominator;
}

/**
 * The memory's dedup check in memory: cosine similarity of word counts instead of embeddings, with the same
 * contract (the best note above the threshold, else undefined). Records what it was asked.
 */
export class FakeNoteIndex implements NoteIndex {
  readonly notes: IndexedNote[] = [];
  readonly queries: string[] = [];

  constructor(private readonly threshold = 0.8) {}

  async search(query: string, limit = 5): Promise<SimilarNote[]> {
    this.queries.push(query);
    const asked = words(query);
    return this.notes
      .map((note) => ({ path: note.path, title: note.title, similarity: cosine(asked, words(note.text)) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, limit);
  }

  async findSimilar(text: string): Promise<SimilarNote | undefined> {
    const [best] = await this.search(text, 1);
    return best && best.similarity > this.threshold ? best : undefined;
  }

  async add(note: IndexedNote): Promise<void> {
    this.notes.push(note);
  }
}

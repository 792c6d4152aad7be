import { describe, expect, it } from 'vitest';
import type { NoteIndex } from '../../core/contracts/note-index.js';
import { ABSTRACTS } from '../fixtures/abstracts.js';

/**
 * The one contract every NoteIndex (the LanceDB store, the in-memory fake) runs, at threshold 0.8:
 * the same abstract twice is caught with a link to the first note; an unrelated abstract is not.
 */
export function describeNoteIndexContract(name: string, create: () => Promise<{ index: NoteIndex; close(): Promise<void> }>): void {
  describe(`NoteIndex contract: ${name}`, () => {
    it('knows nothing at first', async () => {
      const { index, close } = await create();
      expect(await index.findSimilar(ABSTRACTS.rag.text)).toBeUndefined();
      await close();
    });

    it('catches the same abstract twice, and lets an unrelated one through', async () => {
      const { index, close } = await create();
      const text = `${ABSTRACTS.rag.title}\n\n${ABSTRACTS.rag.text}`;
      await index.add({ path: '/brain/inbox/2611.00001.md', title: ABSTRACTS.rag.title, text });
      const found = await index.findSimilar(text);
      expect(found).toEqual({ path: '/brain/inbox/2611.00001.md', title: ABSTRACTS.rag.title, similarity: expect.any(Number) });
      expect(found?.similarity).toBeGreaterThan(0.8);
      expect(found?.similarity).toBeLessThanOrEqual(1.0001);
      expect(await index.findSimilar(`${ABSTRACTS.galaxies.title}\n\n${ABSTRACTS.galaxies.text}`)).toBeUndefined();
      await close();
    });

    it('searches by meaning: the closest notes first, at most `limit` of them', async () => {
      const { index, close } = await create();
      expect(await index.search(ABSTRACTS.rag.text, 3)).toEqual([]);
      for (const [name, paper] of Object.entries(ABSTRACTS)) {
        await index.add({ path: `/brain/inbox/${name}.md`, title: paper.title, text: `${paper.title}\n\n${paper.text}` });
      }
      const hits = await index.search(`${ABSTRACTS.galaxies.title}\n\n${ABSTRACTS.galaxies.text}`, 2);
      expect(hits).toHaveLength(2);
      expect(hits[0]).toMatchObject({ path: '/brain/inbox/galaxies.md', title: ABSTRACTS.galaxies.title, similarity: expect.any(Number) });
      expect(hits[0]?.similarity).toBeGreaterThanOrEqual(hits[1]?.similarity ?? 1);
      await close();
    });

    it('answers with the closest of several notes', async () => {
      const { index, close } = await create();
      for (const [name, paper] of Object.entries(ABSTRACTS)) {
        await index.add({ path: `/brain/inbox/${name}.md`, title: paper.title, text: `${paper.title}\n\n${paper.text}` });
      }
      const found = await index.findSimilar(`${ABSTRACTS.proteins.title}\n\n${ABSTRACTS.proteins.text}`, {
        signal: new AbortController().signal,
      });
      expect(found?.path).toBe('/brain/inbox/proteins.md');
      await close();
    });
  });
}

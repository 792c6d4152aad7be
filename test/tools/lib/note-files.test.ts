import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listMarkdownFiles, parseNote, readNote, titleFromText, writeInboxNote } from '../../../tools/lib/note-files.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('note files', () => {
  it('takes the title from the front matter, else the first heading, else the file name', () => {
    const fm = parseNote(
      '/x/2611.00001.md',
      '---\nid: "2611.00001"\ntitle: "Sparse Experts: Routing"\nauthors: [A, B]\n---\n\nAbstract.\n',
    );
    expect(fm).toEqual({ path: '/x/2611.00001.md', title: 'Sparse Experts: Routing', text: 'Sparse Experts: Routing\n\nAbstract.' });
    expect(parseNote('/x/n.md', 'intro\n# The Heading\nbody').title).toBe('The Heading');
    expect(parseNote('/x/plain-note.md', 'just text')).toMatchObject({ title: 'plain-note', text: 'plain-note\n\njust text' });
    expect(parseNote('/x/broken.md', '---\ntitle: [unclosed\n---\nbody').title).toBe('broken');
  });

  it('embeds an arXiv note as the arXiv tool adds it: title, blank line, abstract', () => {
    const note = parseNote(
      '/x/2611.00002.md',
      '---\nid: 2611.00002\ntitle: Small Models\nsource: arxiv\n---\n\n# Small Models\n\nWe study small models.\n',
    );
    expect(note.text).toBe('Small Models\n\nWe study small models.');
  });

  it('cuts a long first line into a short title at a word boundary', () => {
    expect(titleFromText('Short one\nmore')).toBe('Short one');
    const long = titleFromText(`${'word '.repeat(40)}end`);
    expect(long.length).toBeLessThanOrEqual(81);
    expect(long.endsWith('word…')).toBe(true);
    expect(titleFromText('   ')).toBe('Note');
  });

  it('writes a new note under a dated slug without overwriting, and reads it back', async () => {
    const inbox = join(dir.path, 'inbox');
    const createdAt = Date.UTC(2026, 10, 23, 9, 30);
    const first = await writeInboxNote(inbox, { title: 'Ünïcode & Symbols: a test!', text: 'Body one.', createdAt, source: 'memory' });
    const second = await writeInboxNote(inbox, { title: 'Ünïcode & Symbols: a test!', text: 'Body two.', createdAt, source: 'memory' });
    expect(first.path).toBe(join(inbox, '2026-11-23-unicode-symbols-a-test.md'));
    expect(second.path).toBe(join(inbox, '2026-11-23-unicode-symbols-a-test-2.md'));
    expect(readFileSync(first.path, 'utf8')).toBe(
      '---\ntitle: "Ünïcode & Symbols: a test!"\ncreated: 2026-11-23T09:30:00.000Z\nsource: memory\n---\n\nBody one.\n',
    );
    expect(readNote(second.path)).toEqual(second);
    expect(second.text).toBe('Ünïcode & Symbols: a test!\n\nBody two.');
    expect(readdirSync(inbox).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('lists only the Markdown files directly in the inbox', async () => {
    const inbox = join(dir.path, 'list');
    expect(listMarkdownFiles(inbox)).toEqual([]);
    await writeInboxNote(inbox, { title: 'b', text: 'x', createdAt: 0, source: 'memory' });
    writeFileSync(join(inbox, 'a.md'), 'x');
    writeFileSync(join(inbox, 'notes.txt'), 'x');
    writeFileSync(join(inbox, '.hidden.md'), 'x');
    expect(listMarkdownFiles(inbox)).toEqual([join(inbox, '1970-01-01-b.md'), join(inbox, 'a.md')]);
  });
});

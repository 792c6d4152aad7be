import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { IndexedNote } from '../../core/contracts/note-index.js';
import { writeFileAtomic } from '../../core/lib/atomic-file.js';

/** A Markdown note as the memory indexes it. */
export type NoteFile = IndexedNote;

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** The Markdown files directly in a folder (the inbox), sorted; none when the folder does not exist. */
export function listMarkdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md') && !entry.name.startsWith('.'))
    .map((entry) => join(dir, entry.name))
    .sort();
}

/**
 * Title from the front matter, else the first heading, else the file name. The text is what gets embedded:
 * the title, a blank line, then the body (a leading `# Title` heading becomes that first line), which is
 * exactly what the arXiv tool hands to `NoteIndex.add` for the same note.
 */
export function parseNote(path: string, content: string): NoteFile {
  let body = content;
  let title: string | undefined;
  const match = FRONT_MATTER.exec(content);
  if (match) {
    body = content.slice(match[0].length);
    try {
      const meta = parseYaml(match[1] ?? '') as { title?: unknown } | null;
      if (meta && typeof meta.title === 'string' && meta.title.trim()) title = meta.title.trim();
    } catch {
      // A broken front matter still leaves a readable note: fall back to the heading or file name.
    }
  }
  body = body.trim();
  title ??= /^#\s+(.+)$/m.exec(body)?.[1]?.trim() ?? basename(path, '.md');
  const [firstLine = '', ...rest] = body.split(/\r?\n/);
  const heading = firstLine.replace(/^#+\s+/, '').trim();
  const text = heading === title ? [title, ...rest].join('\n') : `${title}\n\n${body}`;
  return { path, title, text: text.trim() };
}

export function readNote(path: string): NoteFile {
  return parseNote(path, readFileSync(path, 'utf8'));
}

/** A short title from the first line of a text, cut at a word boundary. */
export function titleFromText(text: string, max = 80): string {
  const first =
    text
      .trim()
      .split(/\r?\n/)[0]
      ?.replace(/^#+\s*/, '')
      .trim() ?? '';
  if (first.length <= max) return first || 'Note';
  const cut = first.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trim()}…`;
}

function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return slug || 'note';
}

/** Write a new note into the inbox as `YYYY-MM-DD-<slug>.md` (never overwriting), atomically, and return it. */
export async function writeInboxNote(
  inboxDir: string,
  note: { title: string; text: string; createdAt: number; source: string },
): Promise<NoteFile> {
  await mkdir(inboxDir, { recursive: true });
  const day = new Date(note.createdAt).toISOString().slice(0, 10);
  const stem = `${day}-${slugify(note.title)}`;
  let path = join(inboxDir, `${stem}.md`);
  for (let n = 2; existsSync(path); n += 1) path = join(inboxDir, `${stem}-${n}.md`);
  const meta = stringifyYaml({ title: note.title, created: new Date(note.createdAt).toISOString(), source: note.source }).trimEnd();
  const content = `---\n${meta}\n---\n\n${note.text.trim()}\n`;
  await writeFileAtomic(path, content);
  return parseNote(path, content);
}

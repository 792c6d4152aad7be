import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Paper } from '../../core/contracts/papers.js';
import { writeFileAtomic } from '../../core/lib/atomic-file.js';

/** `arxiv-2411.01234.md`, `arxiv-hep-th_9901001.md`: one file per paper, whatever its version. */
export function noteFileName(paper: Pick<Paper, 'baseId'>): string {
  return `arxiv-${paper.baseId.replace(/\//g, '_')}.md`;
}

/** The note: YAML front matter (id, title, authors, categories, dates, links), then the abstract. */
export function renderPaperNote(paper: Paper, savedAt: number): string {
  const links: Record<string, string> = { abs: paper.absUrl, pdf: paper.pdfUrl };
  if (paper.doi) links.doi = `https://doi.org/${paper.doi}`;
  const front: Record<string, unknown> = {
    id: paper.id,
    title: paper.title,
    authors: paper.authors,
    categories: paper.categories,
    primary_category: paper.primaryCategory,
    published: paper.published,
    updated: paper.updated,
    links,
  };
  if (paper.doi) front.doi = paper.doi;
  if (paper.journalRef) front.journal_ref = paper.journalRef;
  if (paper.comment) front.comment = paper.comment;
  front.source = 'arxiv';
  front.saved_at = new Date(savedAt).toISOString();
  return `---\n${stringify(front, { lineWidth: 0 })}---\n\n# ${paper.title}\n\n${paper.abstract}\n`;
}

async function savedId(path: string): Promise<string | undefined> {
  try {
    const head = (await readFile(path, 'utf8')).slice(0, 2000);
    return /^id: ["']?([^"'\n]+)["']?$/m.exec(head)?.[1];
  } catch {
    return undefined;
  }
}

export interface SavedNote {
  path: string;
  /** `written`: new or a newer version; `unchanged`: this version was already in the inbox. */
  status: 'written' | 'unchanged';
}

/** Write the paper's note into the inbox atomically, unless this very version is already there. */
export async function savePaperNote(inboxDir: string, paper: Paper, now: number): Promise<SavedNote> {
  await mkdir(inboxDir, { recursive: true });
  const path = join(inboxDir, noteFileName(paper));
  if ((await savedId(path)) === paper.id) return { path, status: 'unchanged' };
  await writeFileAtomic(path, renderPaperNote(paper, now));
  return { path, status: 'written' };
}

/** Whether the inbox already holds a note for this ID (any version when the ID has none). */
export async function findSavedNote(inboxDir: string, id: string): Promise<string | undefined> {
  const baseId = id.replace(/v\d+$/, '');
  const path = join(inboxDir, noteFileName({ baseId }));
  const saved = await savedId(path);
  if (!saved) return undefined;
  return baseId === id || saved === id ? path : undefined;
}

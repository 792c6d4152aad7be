import { listMarkdownFiles, type NoteFile, readNote } from './note-files.js';

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Notes of the inbox that contain every word of the query (case-insensitive), newest file name first: the
 * search that still works when no embedding model can run. It reads each note once per search.
 */
export function findNotesByWords(inboxDir: string, query: string, limit: number): NoteFile[] {
  const words = [...new Set(wordsOf(query))];
  if (words.length === 0) return [];
  const found: NoteFile[] = [];
  for (const path of listMarkdownFiles(inboxDir).reverse()) {
    let note: NoteFile;
    try {
      note = readNote(path);
    } catch {
      continue; // unreadable right now: the next search tries again
    }
    const haystack = `${note.title}\n${note.text}`.toLowerCase();
    if (words.every((word) => haystack.includes(word))) found.push(note);
    if (found.length === limit) break;
  }
  return found;
}

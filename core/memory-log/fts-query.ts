// Words as typed by a user become an FTS5 query that cannot be a syntax error: every word is a quoted
// phrase (quotes doubled inside), all of them must match, and a trailing `*` keeps its prefix meaning.
// Operators (OR, NOT, NEAR, column filters) are plain words here, never FTS5 syntax.

const MAX_WORDS = 16;
const HAS_TEXT = /[\p{L}\p{N}]/u;

/** The FTS5 query for a user's words, or undefined when nothing searchable is left. */
export function toFtsQuery(words: string): string | undefined {
  const terms: string[] = [];
  for (const raw of words.trim().split(/\s+/)) {
    const prefix = raw.length > 1 && raw.endsWith('*');
    const word = (prefix ? raw.replace(/\*+$/, '') : raw).replace(/\p{Cc}/gu, '');
    if (!HAS_TEXT.test(word)) continue;
    terms.push(`"${word.replaceAll('"', '""')}"${prefix ? '*' : ''}`);
    if (terms.length === MAX_WORDS) break;
  }
  return terms.length ? terms.join(' ') : undefined;
}

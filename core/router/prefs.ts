import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stableHash } from './stable-hash.js';

/** The user's preferences as they lead every prompt. */
export interface Prefs {
  text: string;
  hash: string;
}

/** Where the profile lives under the brain dir (PIE_BRAIN_BRAIN_DIR, default ~/brain). */
export function prefsPath(brainDir: string): string {
  return join(brainDir, 'profile', 'user_prefs.md');
}

const EMPTY: Prefs = { text: '', hash: stableHash('') };

// A long profile would be re-evaluated by the model whenever it changes; keep it bounded.
export const MAX_PREFS_CHARS = 4000;

/** Lines starting with # are comments (see the example `pie-brain init` writes); blank runs collapse. */
export function cleanPrefs(raw: string): string {
  const kept = raw
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.trimEnd());
  const text = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text.length > MAX_PREFS_CHARS ? text.slice(0, MAX_PREFS_CHARS) : text;
}

/**
 * `user_prefs.md`, read again only when the file changes (modification time, size or inode), so the
 * prompt prefix stays byte-identical between requests otherwise. A missing file means no preferences.
 */
export class PrefsFile {
  private seen: string | undefined;
  private prefs: Prefs = EMPTY;

  constructor(readonly path: string) {}

  read(): Prefs {
    let signature: string;
    try {
      const stat = statSync(this.path);
      signature = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      signature = 'missing';
    }
    if (signature === this.seen) return this.prefs;
    this.seen = signature;
    if (signature === 'missing') {
      this.prefs = EMPTY;
      return this.prefs;
    }
    try {
      const text = cleanPrefs(readFileSync(this.path, 'utf8'));
      this.prefs = { text, hash: stableHash(text) };
    } catch {
      this.seen = undefined;
      this.prefs = EMPTY;
    }
    return this.prefs;
  }
}

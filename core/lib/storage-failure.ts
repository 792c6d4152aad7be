import { isPieBrainError } from '../errors.js';

// SQLite result codes (better-sqlite3 puts them in `code`) that say the disk or the database file failed,
// not the statement: full, locked, read-only, unreadable.
const SQLITE_STORAGE = /^SQLITE_(FULL|BUSY|LOCKED|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL|CORRUPT|NOTADB)/;
const ERRNO_STORAGE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);

/**
 * Whether `error` (or what it wraps, through `cause` or grammY's `error`) is a storage failure: pie-brain could
 * not write, so nothing it was given may be confirmed to the platform.
 */
export function isStorageFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (isPieBrainError(current) && current.code === 'STORAGE_FAILED') return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (SQLITE_STORAGE.test(code) || ERRNO_STORAGE.has(code))) return true;
    current = (current as { cause?: unknown }).cause ?? (current as { error?: unknown }).error;
  }
  return false;
}

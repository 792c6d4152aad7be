import type { Db } from './db.js';
import { rowReader } from './row-reader.js';

export interface CodeRun {
  id: number;
  taskId: number | null;
  userId: string;
  language: string;
  code: string;
  args: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  truncated: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  createdAt: number;
}

const toRun = rowReader<CodeRun>({ flags: ['timedOut', 'truncated'], json: ['args'] });

/** Every snippet run_code ran, with its output: `/runs` lists and searches them. */
export class CodeRunStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO code_runs (task_id, user_id, language, code, args, exit_code, signal, timed_out, truncated, stdout, stderr, duration_ms, created_at)
         VALUES (@taskId, @userId, @language, @code, @args, @exitCode, @signal, @timedOut, @truncated, @stdout, @stderr, @durationMs, @createdAt)`,
      ),
      get: db.prepare('SELECT * FROM code_runs WHERE id = ?'),
      recent: db.prepare('SELECT * FROM code_runs ORDER BY id DESC LIMIT ?'),
      search: db.prepare(
        `SELECT * FROM code_runs
         WHERE code LIKE @pattern ESCAPE '\\' OR stdout LIKE @pattern ESCAPE '\\' OR stderr LIKE @pattern ESCAPE '\\' OR language = @exact
         ORDER BY id DESC LIMIT @limit`,
      ),
    };
  }

  add(run: Omit<CodeRun, 'id'>): CodeRun {
    const info = this.s.insert.run({
      ...run,
      args: JSON.stringify(run.args),
      timedOut: run.timedOut ? 1 : 0,
      truncated: run.truncated ? 1 : 0,
    });
    return { ...run, id: Number(info.lastInsertRowid) };
  }

  get(id: number): CodeRun | undefined {
    const row = this.s.get.get(id) as unknown;
    return row ? toRun(row) : undefined;
  }

  /** The newest runs, or those whose code or output contains `query` (case-insensitive for ASCII). */
  list(query: string | undefined, limit = 10): CodeRun[] {
    const text = query?.trim();
    const rows = text
      ? this.s.search.all({ pattern: `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, exact: text.toLowerCase(), limit })
      : this.s.recent.all(limit);
    return (rows as unknown[]).map(toRun);
  }
}

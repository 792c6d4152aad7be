import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import { migrations as builtInMigrations, type Migration } from './migrations.js';

export type Db = Database.Database;
export type Synchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

export interface OpenDatabaseOptions {
  /** FULL by default: a Pi gets unplugged, and a committed task must survive that. */
  synchronous?: Synchronous;
  busyTimeoutMs?: number;
  migrations?: readonly Migration[];
}

/** Open (or create) the database file with WAL and run pending migrations. */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  db.pragma('foreign_keys = ON');
  // Checkpoints at SQLite's default of every 1,000 pages (4 MB of WAL; about 100 messages, two fsyncs each
  // time). Every 4,000 pages saved a hundredth of an fsync a message but made each durable commit dearer
  // (measured side by side: about 5 us more CPU per commit). The WAL file is cut back to 16 MB if a long
  // reader ever lets it grow past that.
  db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
  migrate(db, options.migrations ?? builtInMigrations);
  const level = options.synchronous ?? 'FULL';
  relaxedState.set(db, { level, relax: db.prepare('PRAGMA synchronous = NORMAL'), restore: db.prepare(`PRAGMA synchronous = ${level}`) });
  return db;
}

/**
 * Open an existing database for reading only (a replay next to a running pie-brain): nothing done through it
 * can change the file. Throws when the file does not exist.
 */
export function openDatabaseReadOnly(file: string, options: { busyTimeoutMs?: number } = {}): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  return db;
}

const relaxedState = new WeakMap<Db, { level: Synchronous; relax: Statement; restore: Statement }>();

/**
 * Run a transaction whose loss on power failure only repeats work (a claim, a completion that has not
 * been sent yet, a "sending" mark) without its own fsync. WAL frames are written in order, so the next
 * durable commit (an intake, a receipt) makes these durable too. Intake and receipts always use the
 * configured level.
 */
export function relaxed<T>(db: Db, work: () => T): T {
  const state = relaxedState.get(db);
  // Inside a transaction the level cannot change (SQLite refuses); that transaction's commit decides.
  if (!state || db.inTransaction || (state.level !== 'FULL' && state.level !== 'EXTRA')) return work();
  state.relax.run();
  try {
    return work();
  } finally {
    state.restore.run();
  }
}

/**
 * SQL for the id of a new row of `table`: one above both its largest id and the largest id it ever deleted
 * (id_floor, raised by a trigger on delete), so no id is handed out twice. AUTOINCREMENT promised the same but
 * wrote sqlite_sequence on every insert; this reads two b-tree ends instead.
 */
export function nextIdSql(table: 'tasks' | 'outbox'): string {
  return `MAX(IFNULL((SELECT MAX(id) FROM ${table}), 0), IFNULL((SELECT id FROM id_floor WHERE name = '${table}'), 0)) + 1`;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Apply every migration newer than the database, each in its own transaction. */
export function migrate(db: Db, list: readonly Migration[]): number {
  let version = schemaVersion(db);
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (migration.version <= version) continue;
    // Foreign keys can only be switched outside a transaction.
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
    if (migration.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        const check = () => (migration.rebuildsTables && foreignKeys ? (db.pragma('foreign_key_check') as unknown[]).length : 0);
        const broken = check();
        db.exec(migration.sql);
        if (check() > broken) throw new Error(`migration ${migration.version} (${migration.name}) left rows pointing at missing rows`);
        db.pragma(`user_version = ${migration.version}`);
      }).immediate();
    } finally {
      if (migration.rebuildsTables) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
    version = migration.version;
  }
  return version;
}

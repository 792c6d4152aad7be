import { join } from 'node:path';
import { type Db, openDatabase } from '../../storage/db.js';
import { tempDir } from '../helpers.js';

/** A real SQLite file in a temp dir; `connect` opens another connection (a second process would), `close` closes them all. */
export function sqliteStore(): { db: Db; connect(): Db; close(): void } {
  const dir = tempDir();
  const file = join(dir.path, 'pie-brain.db');
  const db = openDatabase(file);
  const connections = [db];
  return {
    db,
    connect() {
      const other = openDatabase(file);
      connections.push(other);
      return other;
    },
    close() {
      for (const connection of connections) connection.close();
      dir.remove();
    },
  };
}

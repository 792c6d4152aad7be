import type { Db } from '../../storage/db.js';
import { SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { describeTaskQueueContract } from '../contracts/task-queue.js';
import { sqliteStore } from './sqlite-store.js';

describeTaskQueueContract('SqliteTaskQueue', () => {
  const store = sqliteStore();
  const handles = (db: Db) => ({ queue: new SqliteTaskQueue(db), outbox: new SqliteOutbox(db) });
  return { ...handles(store.db), connectAgain: () => handles(store.connect()), close: () => store.close() };
});

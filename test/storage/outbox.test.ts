import { SqliteOutbox } from '../../storage/outbox.js';
import { describeOutboxContract } from '../contracts/outbox.js';
import { sqliteStore } from './sqlite-store.js';

describeOutboxContract('SqliteOutbox', () => {
  const store = sqliteStore();
  return { outbox: new SqliteOutbox(store.db), connectAgain: () => new SqliteOutbox(store.connect()), close: () => store.close() };
});

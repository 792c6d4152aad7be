import { join } from 'node:path';
import { Alerts } from '../../../core/engine/alerts.js';
import { EventBus, type EventMap } from '../../../core/engine/events.js';
import { silentLogger } from '../../../core/logger.js';
import { openDatabase } from '../../../storage/db.js';
import { KeyValueStore } from '../../../storage/kv.js';
import { SqliteLedger } from '../../../storage/ledger.js';
import { SqliteOutbox } from '../../../storage/outbox.js';
import { SpendReservationStore } from '../../../storage/spend-reservations.js';
import { FakeClock } from '../../fakes/clock.js';
import { tempDir } from '../../helpers.js';

/** A real SQLite file with the ledger, holds, kv and admin alerts, on a fake clock. */
export function openCostsFixture(start?: number | string, admins: string[] = ['fake:admin']) {
  const dir = tempDir();
  const file = join(dir.path, 'pie-brain.db');
  const db = openDatabase(file, { synchronous: 'NORMAL' });
  const clock = new FakeClock(start);
  const bus = new EventBus();
  const kv = new KeyValueStore(db);
  const outbox = new SqliteOutbox(db);
  const raised: Array<EventMap['alert-raised']> = [];
  bus.on('alert-raised', (alert) => raised.push(alert));
  const alerts = new Alerts({ outbox, kv, bus, clock, logger: silentLogger(), admins: () => admins });
  return {
    dir,
    file,
    db,
    clock,
    bus,
    kv,
    outbox,
    alerts,
    raised,
    ledger: new SqliteLedger(db),
    holds: new SpendReservationStore(db),
    close() {
      if (db.open) db.close();
      dir.remove();
    },
  };
}

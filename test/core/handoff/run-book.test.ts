import { describe, expect, it } from 'vitest';
import type { SpendGate, SpendReservation } from '../../../core/contracts/spend.js';
import { EventBus } from '../../../core/engine/events.js';
import { RunBook } from '../../../core/handoff/run-book.js';
import { systemClock } from '../../../core/lib/clock.js';
import { BrainRunStore } from '../../../storage/brain-runs.js';
import { openDatabase } from '../../../storage/db.js';
import { SqliteLedger } from '../../../storage/ledger.js';
import { SqliteTaskQueue } from '../../../storage/queue.js';
import { FakeSpendGate } from '../../fakes/spend.js';
import { quietLogger } from '../../helpers.js';

/** A run holding a reservation of $2, and a way to open the books again (a restart: nothing held in memory). */
function runWith(spend: SpendGate) {
  const db = openDatabase(':memory:');
  const store = new BrainRunStore(db);
  const openBook = () =>
    new RunBook({
      store,
      ledger: new SqliteLedger(db),
      queue: new SqliteTaskQueue(db),
      bus: new EventBus(),
      clock: systemClock,
      logger: quietLogger(),
      spend,
    });
  const reservation = spend.reserve({ taskId: 1, provider: 'aider', capUsd: 2, purpose: '/handoff' });
  const run = store.create({
    taskId: 1,
    seq: 1,
    brain: 'aider',
    cwd: '/r',
    runDir: '/r/1',
    threadKey: 't',
    reservationId: reservation.id,
    capUsd: 2,
    startedAt: 0,
  });
  return { openBook, run };
}

describe('RunBook allowance', () => {
  it('finds a run’s reservation by its id after a restart (a new book) and asks it', () => {
    const gate = new FakeSpendGate(3);
    const { openBook, run } = runWith(gate);
    // Another call cost more than it had reserved: $0.75 is left beside this run's hold.
    gate.spentUsd = 2.25;
    expect(openBook().allowance(run)).toMatchObject({ usd: 0.75, limit: 'month' });
  });

  it('holds the run to its own cap when the budget cannot be read just now', () => {
    const broken: SpendGate = {
      reserve: (request) => ({ ...new FakeSpendGate().reserve(request), id: 'r-broken' }),
      resume: (): SpendReservation => ({
        id: 'r-broken',
        capUsd: 2,
        settle() {},
        release() {},
        allowance: () => {
          throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        },
      }),
    };
    const { openBook, run } = runWith(broken);
    expect(openBook().allowance(run)).toEqual({ usd: 2, limit: 'cap', detail: 'its cap of $2.00' });
  });
});

import { describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../core/contracts/chat-adapter.js';
import { Delivery } from '../../core/engine/delivery.js';
import { EventBus } from '../../core/engine/events.js';
import { ProgressMessage } from '../../core/engine/progress.js';
import { openDatabase } from '../../storage/db.js';
import { onOutboxAdded, SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { FakeClock } from '../fakes/clock.js';
import { quietLogger } from '../helpers.js';

/** A platform that cannot edit messages. */
class PlainAdapter extends FakeChatAdapter {
  override readonly capabilities = { edit: false, threads: false, images: false, typing: false, maxLength: 100 };
}

const address = { platform: 'fake', chatId: 'c-1', threadId: 't-1' };

function createProgress(adapter: ChatAdapter | undefined, dedupeKey = 'brain-progress:1') {
  const db = openDatabase(':memory:');
  const outbox = new SqliteOutbox(db);
  const clock = new FakeClock();
  new SqliteTaskQueue(db).enqueue(
    { platform: 'fake', chatId: 'c-1', userId: 'u', userName: 'U', platformMessageId: 'p-1', text: 'x', message: {} },
    clock.now(),
  );
  let wakes = 0;
  onOutboxAdded(db, () => {
    wakes += 1;
  });
  // The real way out (not started: the test delivers the first message by hand, below).
  const delivery = new Delivery({
    outbox,
    bus: new EventBus(),
    clock,
    logger: quietLogger(),
    maxAttempts: 3,
    baseDelayMs: 10,
    maxDelayMs: 100,
    concurrency: 1,
  });
  if (adapter) delivery.addAdapter(adapter);
  const options = { outbox, taskId: 1, address, dedupeKey, clock, logger: quietLogger(), intervalMs: 30_000, delivery };
  return { outbox, clock, message: new ProgressMessage(options), again: () => new ProgressMessage(options), wakes: () => wakes };
}

/** What delivery does once the platform accepted the message: record its id as the receipt. */
function deliver(outbox: SqliteOutbox, clock: FakeClock, receipt: string): void {
  const [row] = outbox.claimDue(clock.now(), 10);
  if (row) outbox.markSent(row.id, receipt, clock.now());
}

describe('ProgressMessage', () => {
  it('sends once through the outbox, then edits that message at most once per interval', async () => {
    const adapter = new FakeChatAdapter();
    const { outbox, clock, message, again, wakes } = createProgress(adapter);
    message.start('Started claude-code on task 1.');
    again().start('Started claude-code on task 1.');
    expect(outbox.forTask(1)).toHaveLength(1);
    expect(outbox.forTask(1)[0]).toMatchObject({
      kind: 'progress',
      dedupeKey: 'brain-progress:1',
      body: { text: 'Started claude-code on task 1.' },
    });
    expect(wakes()).toBe(1);

    await clock.advance(31_000);
    await message.update('working 31s, 1 turn');
    expect(adapter.edits).toEqual([]); // not delivered yet: nothing to edit

    deliver(outbox, clock, 'platform-msg-9');
    await message.update('working 31s, 1 turn');
    await clock.advance(10_000);
    await message.update('working 41s, 2 turns');
    await clock.advance(20_000);
    await message.update('working 1m, 3 turns');
    await message.update('claude-code finished after 1m ($0.14).', true);
    expect(adapter.edits).toEqual([
      { messageId: 'platform-msg-9', reply: { text: 'working 31s, 1 turn' } },
      { messageId: 'platform-msg-9', reply: { text: 'working 1m, 3 turns' } },
      { messageId: 'platform-msg-9', reply: { text: 'claude-code finished after 1m ($0.14).' } },
    ]);
  });

  it('keeps editing the same message after a restart (same key, same receipt)', async () => {
    const adapter = new FakeChatAdapter();
    const { outbox, clock, message, again } = createProgress(adapter);
    message.start('Started.');
    deliver(outbox, clock, 'm-1');
    const afterRestart = again();
    afterRestart.start('Started.');
    await afterRestart.update('working 5m', true);
    expect(adapter.edits).toEqual([{ messageId: 'm-1', reply: { text: 'working 5m' } }]);
  });

  it('never edits where the platform cannot, and survives a failed edit', async () => {
    const plain = new PlainAdapter();
    const cannot = createProgress(plain);
    expect(cannot.message.editable).toBe(false);
    cannot.message.start('Started.');
    deliver(cannot.outbox, cannot.clock, 'm-1');
    await cannot.message.update('working', true);
    expect(plain.edits).toEqual([]);

    const failing = new FakeChatAdapter();
    failing.edit = async () => {
      throw new Error('message to edit not found');
    };
    const broken = createProgress(failing);
    broken.message.start('Started.');
    deliver(broken.outbox, broken.clock, 'm-2');
    await expect(broken.message.update('working', true)).resolves.toBeUndefined();
  });
});

describe('ProgressMessage, the last word', () => {
  it('sends a forced update that arrives while an edit is in flight right after it', async () => {
    const adapter = new FakeChatAdapter();
    let releaseEdit: () => void = () => {};
    const original = adapter.edit.bind(adapter);
    adapter.edit = async (address, messageId, reply) => {
      if (reply.text === 'working')
        await new Promise<void>((resolve) => {
          releaseEdit = resolve;
        });
      await original(address, messageId, reply);
    };
    const { outbox, clock, message } = createProgress(adapter);
    message.start('Started.');
    deliver(outbox, clock, 'm-1');
    const inFlight = message.update('working', true);
    await message.update('finished', true);
    releaseEdit();
    await inFlight;
    expect(adapter.edits.map((edit) => edit.reply.text)).toEqual(['working', 'finished']);
  });
});

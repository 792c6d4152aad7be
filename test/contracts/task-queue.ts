import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Outbox } from '../../storage/outbox.js';
import type { NewTask, TaskQueue } from '../../storage/queue.js';

/** A queue and the outbox its replies land in, on one store. */
export interface QueueHandles {
  queue: TaskQueue;
  outbox: Outbox;
}

export interface TaskQueueHarness extends QueueHandles {
  /** Another connection to the same store, as a second worker process would open. */
  connectAgain(): QueueHandles;
  close(): void | Promise<void>;
}

function newTask(id: string, overrides: Partial<NewTask> = {}): NewTask {
  return {
    platform: 'telegram',
    chatId: '42',
    userId: 'u1',
    userName: 'Ada',
    platformMessageId: id,
    text: `request ${id}`,
    message: { id },
    ...overrides,
  };
}

const reply = (text: string) => ({ address: { platform: 'telegram', chatId: '42' }, body: { text } });

/**
 * The one contract every TaskQueue (SQLite today; a server engine tomorrow) runs: idempotent intake, an
 * atomic claim with a lease, expiry and the dead letter, completion and its reply in one transaction,
 * release with refunds, cancel, and the stats and history the engine reads.
 */
export function describeTaskQueueContract(name: string, createHarness: () => TaskQueueHarness | Promise<TaskQueueHarness>): void {
  describe(`TaskQueue contract: ${name}`, () => {
    let harness: TaskQueueHarness;
    let queue: TaskQueue;
    let outbox: Outbox;

    beforeEach(async () => {
      harness = await createHarness();
      ({ queue, outbox } = harness);
    });
    afterEach(async () => {
      await harness.close();
    });

    it('intake is idempotent: the same (platform, message id) twice is one task', () => {
      const first = queue.enqueue(newTask('a'), 1000);
      const again = queue.enqueue(newTask('a', { text: 'changed' }), 2000);
      const other = queue.enqueue(newTask('a', { platform: 'slack' }), 2000);
      expect(first.created).toBe(true);
      expect(again).toEqual({ taskId: first.taskId, created: false });
      expect(other.created).toBe(true);
      expect(queue.get(first.taskId)?.requestText).toBe('request a');
      expect(queue.stats().pending).toBe(2);
    });

    it('claims the oldest due task with a lease, once', () => {
      const a = queue.enqueue(newTask('a'), 1000).taskId;
      const b = queue.enqueue(newTask('b'), 1001).taskId;
      const claimed = queue.claim('w1', 2000, 60_000);
      expect(claimed?.id).toBe(a);
      expect(claimed?.status).toBe('routing');
      expect(claimed?.attempts).toBe(1);
      expect(claimed?.leaseUntil).toBe(62_000);
      expect(queue.claim('w2', 2000, 60_000)?.id).toBe(b);
      expect(queue.claim('w3', 2000, 60_000)).toBeUndefined();
    });

    it('workers on two connections never claim the same task', () => {
      const other = harness.connectAgain();
      const ids = Array.from({ length: 10 }, (_, i) => queue.enqueue(newTask(`t${i}`), i).taskId);
      const claimed: number[] = [];
      for (let turn = 0; turn < 12; turn += 1) {
        const task = (turn % 2 ? other.queue : queue).claim(`w${turn % 2}`, 100, 60_000);
        if (task) claimed.push(task.id);
      }
      expect(claimed.sort((x, y) => x - y)).toEqual(ids);
      expect(other.queue.stats()).toEqual({ pending: 0, running: 10, oldestPendingAt: null });
    });

    it('completes a task and queues its reply in the same transaction', () => {
      const id = queue.enqueue(newTask('a'), 1000).taskId;
      queue.claim('w1', 1000, 60_000);
      expect(queue.complete(id, 'w1', { status: 'done', reply: reply('hi') }, 1500)).toBe(true);
      expect(queue.get(id)?.status).toBe('done');
      const rows = outbox.forTask(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.body).toEqual({ text: 'hi' });
      expect(queue.events(id).map((e) => e.type)).toEqual(['queued', 'claimed', 'completed']);
    });

    it('a reply that cannot be queued leaves the task running, not done without its answer', () => {
      const id = queue.enqueue(newTask('a'), 1000).taskId;
      queue.claim('w1', 1000, 60_000);
      const unstorable = { address: { platform: 'telegram', chatId: '42' }, body: { text: 'x', size: 1n } };
      expect(() => queue.complete(id, 'w1', { status: 'done', reply: unstorable }, 1500)).toThrow();
      expect(queue.get(id)).toMatchObject({ status: 'routing', leaseOwner: 'w1' });
      expect(outbox.forTask(id)).toEqual([]);
      expect(queue.complete(id, 'w1', { status: 'done', reply: reply('hi') }, 1600)).toBe(true);
      expect(outbox.forTask(id)).toHaveLength(1);
    });

    it('a worker that lost its lease cannot complete the task', () => {
      const id = queue.enqueue(newTask('a'), 1000).taskId;
      queue.claim('w1', 1000, 10_000);
      queue.reapExpired(20_000, 3, () => reply('dead'));
      queue.claim('w2', 20_000, 10_000);
      expect(queue.complete(id, 'w1', { status: 'done', reply: reply('late') }, 21_000)).toBe(false);
      expect(outbox.forTask(id)).toHaveLength(0);
      expect(queue.complete(id, 'w2', { status: 'done', reply: reply('on time') }, 21_000)).toBe(true);
      expect(outbox.forTask(id)).toHaveLength(1);
    });

    it('an expired lease sends the task back to pending, and after maxAttempts it is dead with a reply', () => {
      const id = queue.enqueue(newTask('a'), 0).taskId;
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        const now = attempt * 100_000;
        expect(queue.claim('w', now, 10_000)?.attempts).toBe(attempt);
        const reaped = queue.reapExpired(now + 10_001, 3, (task) => reply(`gave up on ${task.id}`));
        if (attempt < 3) expect(reaped).toEqual({ requeued: [id], dead: [] });
        else expect(reaped).toEqual({ requeued: [], dead: [id] });
      }
      expect(queue.get(id)?.status).toBe('dead');
      expect(outbox.forTask(id).map((r) => r.body)).toEqual([{ text: `gave up on ${id}` }]);
      expect(queue.claim('w', 1_000_000, 10_000)).toBeUndefined();
    });

    it('renewing keeps the lease; a released task waits for not_before; refunds give the attempt back', () => {
      const id = queue.enqueue(newTask('a'), 0).taskId;
      queue.claim('w', 0, 10_000);
      expect(queue.renewLease(id, 'w', 50_000, 5000)).toBe(true);
      expect(queue.renewLease(id, 'other', 90_000, 5000)).toBe(false);
      expect(queue.reapExpired(20_000, 3, () => reply('x')).requeued).toEqual([]);
      expect(queue.release(id, 'w', 30_000, 'RATE_LIMITED', 6000)).toBe(true);
      expect(queue.claim('w', 29_999, 10_000)).toBeUndefined();
      expect(queue.nextWakeAt()).toBe(30_000);
      const again = queue.claim('w', 30_000, 10_000);
      expect(again?.attempts).toBe(2);
      queue.release(id, 'w', 30_000, 'shutdown', 30_001, true);
      expect(queue.get(id)?.attempts).toBe(1);
    });

    it('a claim that only re-attached gives its attempt back, so restarts do not use up the attempts', () => {
      const id = queue.enqueue(newTask('a'), 0).taskId;
      queue.claim('first', 0, 10_000);
      for (const [at, owner] of [
        [20_000, 'second'],
        [40_000, 'third'],
        [60_000, 'fourth'],
      ] as const) {
        expect(queue.reapExpired(at, 2, () => reply('dead')).requeued).toEqual([id]);
        expect(queue.claim(owner, at, 10_000)?.attempts).toBe(2);
        expect(queue.refundAttempt(id, 'somebody-else', at)).toBe(false);
        expect(queue.refundAttempt(id, owner, at)).toBe(true);
        expect(queue.get(id)?.attempts).toBe(1);
      }
      expect(queue.events(id).filter((e) => e.type === 'attempt-refunded')).toHaveLength(3);
      expect(queue.complete(id, 'fourth', { status: 'done' }, 61_000)).toBe(true);
      expect(queue.refundAttempt(id, 'fourth', 62_000)).toBe(false);
    });

    it('expires the leases of a previous process at start-up', () => {
      const id = queue.enqueue(newTask('a'), 0).taskId;
      queue.claim('dead-process', 0, 600_000);
      expect(queue.expireForeignLeases('new-process', 1000)).toBe(1);
      expect(queue.reapExpired(1000, 3, () => reply('x')).requeued).toEqual([id]);
      expect(queue.claim('new-process', 1000, 1000)?.id).toBe(id);
    });

    it('cancels a pending task at once and reports running and finished ones', () => {
      const a = queue.enqueue(newTask('a'), 0).taskId;
      const b = queue.enqueue(newTask('b'), 0).taskId;
      expect(queue.cancel(b, 10, reply('cancelled'))).toBe('cancelled');
      expect(queue.claim('w', 20, 1000)?.id).toBe(a);
      expect(queue.cancel(a, 30, reply('x'))).toBe('running');
      queue.complete(a, 'w', { status: 'done' }, 40);
      expect(queue.cancel(a, 50, reply('x'))).toBe('finished');
      expect(queue.cancel(999, 50, reply('x'))).toBe('not-found');
      expect(outbox.forTask(b)).toHaveLength(1);
    });

    it('reports depth and the age of the oldest pending task, and the recent tasks of a thread', () => {
      queue.enqueue(newTask('a', { threadId: 't1' }), 100);
      queue.enqueue(newTask('b', { threadId: 't1' }), 200);
      queue.enqueue(newTask('c'), 300);
      queue.claim('w', 400, 1000);
      expect(queue.stats()).toEqual({ pending: 2, running: 1, oldestPendingAt: 200 });
      expect(queue.recent({ platform: 'telegram', chatId: '42', threadId: 't1' }, 5).map((t) => t.platformMessageId)).toEqual(['b', 'a']);
    });
  });
}

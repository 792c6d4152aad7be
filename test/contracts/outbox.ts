import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chatKey, type Outbox } from '../../storage/outbox.js';

export interface OutboxHarness {
  outbox: Outbox;
  /** Another connection to the same store, as a second process would open. */
  connectAgain(): Outbox;
  close(): void | Promise<void>;
}

const textOf = (body: unknown) => (body as { text: string }).text;

/**
 * The one contract every Outbox (SQLite today; a server engine tomorrow) runs: due rows claimed oldest first,
 * one per chat and once, receipts, bounded retries and giving up, idempotent adds by dedupe key, and rows a
 * crash left in flight sent again, flagged.
 */
export function describeOutboxContract(name: string, createHarness: () => OutboxHarness | Promise<OutboxHarness>): void {
  describe(`Outbox contract: ${name}`, () => {
    let harness: OutboxHarness;
    let outbox: Outbox;

    beforeEach(async () => {
      harness = await createHarness();
      outbox = harness.outbox;
    });
    afterEach(async () => {
      await harness.close();
    });

    it('claims due rows oldest first, one per chat, and skips rows no adapter can send', () => {
      const chat = (chatId: string, platform = 'telegram') => ({ platform, chatId });
      outbox.add({ address: chat('1'), body: { text: 'a' } }, 10);
      outbox.add({ address: chat('1'), body: { text: 'b' } }, 11);
      outbox.add({ address: chat('2'), body: { text: 'c' } }, 12);
      outbox.add({ address: chat('3', 'slack'), body: { text: 'd' } }, 13);
      const rows = outbox.claimDue(100, 10, new Set(), new Set(['telegram']));
      expect(rows.map((r) => textOf(r.body))).toEqual(['a', 'c']);
      expect(rows.every((r) => r.status === 'sending' && r.attempts === 1)).toBe(true);
      expect(outbox.counts()).toEqual({ pending: 2, sending: 2, sent: 0, failed: 0 });
    });

    it('leaves the rows of busy chats pending, and never hands one row to two claimers', () => {
      const busy = { platform: 'telegram', chatId: 'busy' };
      outbox.add({ address: busy, body: { text: 'wait' } }, 0);
      outbox.add({ address: { platform: 'telegram', chatId: 'free' }, body: { text: 'go' } }, 1);
      const other = harness.connectAgain();
      const first = outbox.claimDue(10, 10, new Set([chatKey(busy)]));
      expect(first.map((r) => textOf(r.body))).toEqual(['go']);
      expect(other.claimDue(10, 10, new Set([chatKey(busy)]))).toEqual([]);
      expect(other.claimDue(10, 10).map((r) => textOf(r.body))).toEqual(['wait']);
      expect(outbox.claimDue(10, 10)).toEqual([]);
    });

    it('records the receipt, schedules retries and gives up for good', () => {
      const { id } = outbox.add({ address: { platform: 'x', chatId: '1' }, body: { text: 'a' } }, 0);
      outbox.claimDue(0, 1);
      outbox.markFailed(id, 'RATE_LIMITED', 5000, 1);
      expect(outbox.claimDue(4999, 1)).toEqual([]);
      expect(outbox.nextDueAt()).toBe(5000);
      expect(outbox.claimDue(5000, 1)[0]?.attempts).toBe(2);
      outbox.markSent(id, 'msg-9', 5001);
      expect(outbox.get(id)).toMatchObject({ status: 'sent', receipt: 'msg-9', sentAt: 5001, lastError: null });
      const other = outbox.add({ address: { platform: 'x', chatId: '2' }, body: { text: 'b' } }, 0).id;
      outbox.claimDue(6000, 1);
      outbox.markFailed(other, 'PLATFORM_REJECTED', null, 6000);
      expect(outbox.get(other)?.status).toBe('failed');
      expect(outbox.nextDueAt()).toBeUndefined();
    });

    it('is fair across chats: one chat with a long backlog does not hold up another chat', () => {
      for (let i = 0; i < 300; i += 1) outbox.add({ address: { platform: 'x', chatId: 'flood' }, body: { text: `refusal ${i}` } }, i);
      const owner = outbox.add({ address: { platform: 'x', chatId: 'owner' }, body: { text: 'pong' } }, 500);
      const first = outbox.claimDue(1000, 4);
      expect(first.map((row) => row.address.chatId)).toEqual(['flood', 'owner']);
      expect(first[1]?.id).toBe(owner.id);
      expect(outbox.claimDue(1000, 4, new Set([chatKey({ platform: 'x', chatId: 'flood' })]))).toEqual([]);
    });

    it('claims exactly what a round robin over the chats would, with busy chats and platforms left out', () => {
      // A seeded walk: rows added to a few chats on a few platforms with retry times, claims with random room,
      // busy chats and accepted platforms, sends and failures. Every claim is checked against the rule
      // itself: each chat's oldest due row, those heads oldest first, skipping busy chats and other platforms.
      let seed = 7;
      const random = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      const chats = ['1', '2', '3', '11', 'a\u0001b'].flatMap((chatId) =>
        ['telegram', 'tele', 'slack'].map((platform) => ({ platform, chatId })),
      );
      const rows = new Map<number, { key: string; platform: string; dueAt: number; status: 'pending' | 'sending' | 'done' }>();
      let now = 0;
      for (let step = 0; step < 400; step += 1) {
        now += random(3);
        const action = random(10);
        if (action < 5) {
          const address = chats[random(chats.length)] as { platform: string; chatId: string };
          const dueAt = now + (random(4) === 0 ? random(5) : 0);
          const { id } = outbox.add({ address, body: { text: `row ${step}` } }, dueAt);
          rows.set(id, { key: chatKey(address), platform: address.platform, dueAt, status: 'pending' });
        } else if (action < 8) {
          const limit = random(4);
          const busy = new Set(chats.filter(() => random(4) === 0).map(chatKey));
          const platforms = random(2) ? new Set(['telegram', 'slack'].filter(() => random(3) > 0)) : undefined;
          const heads = new Map<string, number>();
          for (const [id, row] of rows) {
            if (row.status === 'pending' && row.dueAt <= now && !heads.has(row.key)) heads.set(row.key, id);
          }
          const expected = [...heads.entries()]
            .filter(([key, id]) => !busy.has(key) && (!platforms || platforms.has(rows.get(id)?.platform ?? '')))
            .map(([, id]) => id)
            .sort((a, b) => a - b)
            .slice(0, limit);
          const claimed = outbox.claimDue(now, limit, busy, platforms).map((row) => row.id);
          expect(claimed).toEqual(expected);
          for (const id of claimed) (rows.get(id) as { status: string }).status = 'sending';
        } else {
          const sending = [...rows.entries()].filter(([, row]) => row.status === 'sending');
          const picked = sending[random(Math.max(1, sending.length))];
          if (!picked) continue;
          const [id, row] = picked;
          if (random(3) === 0) {
            outbox.markFailed(id, 'RATE_LIMITED', now + 2, now);
            Object.assign(row, { status: 'pending', dueAt: now + 2 });
          } else {
            outbox.markSent(id, `sent-${id}`, now);
            row.status = 'done';
          }
        }
      }
      expect([...rows.values()].filter((row) => row.status === 'done').length).toBeGreaterThan(20);
    });

    it('matches busy chats and platforms whole: a chat id or platform that starts like another is not held back', () => {
      outbox.add({ address: { platform: 'tele', chatId: '1' }, body: { text: 'short platform' } }, 0);
      outbox.add({ address: { platform: 'telegram', chatId: '11' }, body: { text: 'longer chat id' } }, 0);
      outbox.add({ address: { platform: 'telegram', chatId: '1' }, body: { text: 'busy' } }, 0);
      const claimed = outbox.claimDue(0, 10, new Set([chatKey({ platform: 'telegram', chatId: '1' })]), new Set(['telegram']));
      expect(claimed.map((row) => textOf(row.body))).toEqual(['longer chat id']);
      expect(outbox.claimDue(0, 10, new Set(), new Set(['tele'])).map((row) => textOf(row.body))).toEqual(['short platform']);
      expect(outbox.claimDue(0, 0)).toEqual([]);
    });

    it('a dedupe key makes adding idempotent', () => {
      const first = outbox.add({ address: { platform: 'x', chatId: '1' }, body: { text: 'a' }, dedupeKey: 'digest:2026-11-23:x:1' }, 0);
      const again = outbox.add({ address: { platform: 'x', chatId: '1' }, body: { text: 'a' }, dedupeKey: 'digest:2026-11-23:x:1' }, 1);
      expect(again).toEqual({ id: first.id, created: false });
    });

    it('rows a crash left in sending go back to pending, flagged as possibly duplicated', () => {
      const { id } = outbox.add({ address: { platform: 'x', chatId: '1' }, body: { text: 'a' } }, 0);
      outbox.claimDue(0, 1);
      const recovered = outbox.recoverInterrupted(0);
      expect(recovered.map((r) => r.id)).toEqual([id]);
      expect(outbox.get(id)).toMatchObject({ status: 'pending', resentAfterCrash: true });
      expect(outbox.recoverInterrupted(0)).toEqual([]);
    });

    it('after a restart whose wall clock is behind the one that wrote the rows, every row is due at once', () => {
      const written = Date.parse('2027-01-31T23:59:30Z');
      const sending = outbox.add({ address: { platform: 'x', chatId: '1' }, body: { text: 'a' } }, written);
      outbox.claimDue(written, 1);
      const waiting = outbox.add({ address: { platform: 'x', chatId: '2' }, body: { text: 'b' } }, written);
      const restartedAt = written - 45_000;
      outbox.recoverInterrupted(restartedAt);
      expect(outbox.claimDue(restartedAt, 10).map((r) => r.id)).toEqual([sending.id, waiting.id]);
    });
  });
}

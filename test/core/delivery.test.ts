import { afterEach, describe, expect, it } from 'vitest';
import { retryDelay } from '../../core/engine/delivery.js';
import { PieBrainError } from '../../core/errors.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { FakeClock, flushMicrotasks } from '../fakes/clock.js';
import { startRuntime } from './runtime-harness.js';

type Harness = Awaited<ReturnType<typeof startRuntime>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('delivery', () => {
  it('honours a 429 retry-after, backs off after a 500, then records the receipt of the one message sent', async () => {
    const clock = new FakeClock();
    harness = await startRuntime({ clock, config: { delivery: { baseDelayMs: 1000, maxDelayMs: 60_000 } } });
    const failures: string[] = [];
    harness.runtime.bus.on('reply-failed', (e) => failures.push(`${e.code}@${e.attempt}:${e.willRetry}`));
    harness.adapter.failNext(
      new PieBrainError('RATE_LIMITED', 'Too Many Requests', { retryAfterMs: 7000 }),
      new PieBrainError('PLATFORM_UNAVAILABLE', 'HTTP 500'),
    );
    const result = await harness.adapter.receive('/ping');
    if (result.status !== 'queued') throw new Error(result.status);
    await flushMicrotasks();
    expect(failures).toEqual(['RATE_LIMITED@1:true']);
    await clock.advance(6_900);
    expect(failures).toHaveLength(1);
    await clock.advance(200);
    expect(failures).toEqual(['RATE_LIMITED@1:true', 'PLATFORM_UNAVAILABLE@2:true']);
    expect(harness.adapter.sent).toHaveLength(0);
    await clock.advance(2_500);
    await harness.runtime.intake.whenAnswered(result.taskId);
    expect(harness.adapter.texts()).toEqual(['pong']);
    const [row] = harness.runtime.outbox.forTask(result.taskId);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, receipt: harness.adapter.sent[0]?.messageId });
  });

  it('sends a long reply part by part, records each part, and after a failure half-way sends only the rest', async () => {
    const clock = new FakeClock();
    const text = ['a', 'b', 'c'].map((letter) => letter.repeat(3000)).join('\n\n');
    harness = await startRuntime({
      clock,
      config: { delivery: { baseDelayMs: 1000, maxDelayMs: 1000 } },
      route: async () => ({ text, footer: 'local · 9 tok' }),
    });
    harness.adapter.failNext(undefined, new PieBrainError('PLATFORM_UNAVAILABLE', 'HTTP 502'));
    const result = await harness.adapter.receive('write me three long paragraphs');
    if (result.status !== 'queued') throw new Error(result.status);
    await flushMicrotasks();
    const [row] = harness.runtime.outbox.forTask(result.taskId);
    expect(row).toMatchObject({ status: 'pending', partsSent: 1, receipt: harness.adapter.sent[0]?.messageId });
    await clock.advance(1500);
    await harness.runtime.intake.whenAnswered(result.taskId);
    expect(harness.adapter.sent.map((m) => m.reply.text[0])).toEqual(['a', 'b', 'c']);
    expect(harness.adapter.sent.map((m) => m.reply.footer)).toEqual([undefined, undefined, 'local · 9 tok']);
    expect(harness.runtime.outbox.forTask(result.taskId)[0]).toMatchObject({
      status: 'sent',
      attempts: 2,
      receipt: harness.adapter.sent[2]?.messageId,
    });
  });

  it('gives up after maxAttempts, keeps the row, and tells whoever waits', async () => {
    const clock = new FakeClock();
    harness = await startRuntime({ clock, config: { delivery: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } } });
    harness.adapter.failNext(new PieBrainError('PLATFORM_UNAVAILABLE', '502'), new PieBrainError('PLATFORM_UNAVAILABLE', '502'));
    const result = await harness.adapter.receive('/ping');
    if (result.status !== 'queued') throw new Error(result.status);
    await clock.advance(1000);
    await harness.runtime.intake.whenAnswered(result.taskId);
    expect(harness.runtime.outbox.forTask(result.taskId)[0]).toMatchObject({ status: 'failed', attempts: 2 });
    await clock.advance(1000);
    // Only the admins' alert got through: the reply itself was never reported as delivered.
    expect(harness.adapter.sent.map((m) => [m.address.chatId, m.reply.text])).toEqual([
      ['dm:owner', expect.stringMatching(/Could not deliver a reply to fake chat chat-1 after 2 tries \(PLATFORM_UNAVAILABLE\)/)],
    ]);
  });

  it('a rejected message (4xx) is not retried', async () => {
    harness = await startRuntime();
    harness.adapter.failNext(new PieBrainError('PLATFORM_REJECTED', 'chat not found'));
    const result = await harness.adapter.receive('/ping');
    if (result.status !== 'queued') throw new Error(result.status);
    await harness.runtime.intake.whenAnswered(result.taskId);
    expect(harness.runtime.outbox.forTask(result.taskId)[0]).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('keeps replies in order within a chat while other chats go on', async () => {
    harness = await startRuntime();
    const release = harness.adapter.holdSends();
    const ids: number[] = [];
    for (const chatId of ['a', 'a', 'b']) {
      const result = await harness.adapter.receive('/ping', { address: { platform: 'fake', chatId } });
      if (result.status === 'queued') ids.push(result.taskId);
    }
    await flushMicrotasks();
    expect(harness.runtime.outbox.counts().sending).toBe(2);
    release();
    for (const id of ids) await harness.runtime.intake.whenAnswered(id);
    const chatA = harness.adapter.sent.filter((m) => m.address.chatId === 'a').map((m) => m.address.replyTo);
    expect(chatA).toEqual(ids.slice(0, 2).map((id) => harness?.runtime.queue.get(id)?.platformMessageId));
  });

  it('holds replies for a platform until its adapter is there', async () => {
    harness = await startRuntime();
    harness.runtime.outbox.add({ address: { platform: 'later', chatId: '1' }, body: { text: 'waited' } }, Date.now());
    harness.runtime.delivery.wake();
    await flushMicrotasks();
    const late = new FakeChatAdapter('later');
    harness.runtime.addAdapter(late);
    await flushMicrotasks();
    expect(late.texts()).toEqual(['waited']);
  });

  it('computes retry delays: retry-after wins, else bounded exponential backoff with jitter', () => {
    const half = () => 0.5;
    expect(retryDelay(1, new PieBrainError('RATE_LIMITED', 'x', { retryAfterMs: 3000 }), 1000, 60_000, half)).toBe(3000);
    expect(retryDelay(1, new Error('x'), 1000, 60_000, half)).toBe(1000);
    expect(retryDelay(3, new Error('x'), 1000, 60_000, half)).toBe(4000);
    expect(retryDelay(30, new Error('x'), 1000, 60_000, half)).toBe(60_000);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { PieBrainError } from '../../core/errors.js';
import { sleep, systemClock } from '../../core/lib/clock.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { FakeClock, flushMicrotasks } from '../fakes/clock.js';
import { waitFor } from '../helpers.js';
import { startRuntime } from './runtime-harness.js';

type Harness = Awaited<ReturnType<typeof startRuntime>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function answered(h: Harness, taskId: number) {
  await h.runtime.intake.whenAnswered(taskId);
  return h.runtime.queue.get(taskId);
}

describe('engine', () => {
  it('answers a command in the same chat, quoting the message, with a full trace', async () => {
    harness = await startRuntime();
    const result = await harness.adapter.receive('/ping', { address: { platform: 'fake', chatId: 'c9', threadId: 't3' } });
    if (result.status !== 'queued') throw new Error(result.status);
    const task = await answered(harness, result.taskId);
    expect(task?.status).toBe('done');
    expect(harness.adapter.sent).toHaveLength(1);
    expect(harness.adapter.sent[0]?.address).toMatchObject({ chatId: 'c9', threadId: 't3', replyTo: task?.platformMessageId });
    expect(harness.adapter.texts()).toEqual(['pong']);
    expect(harness.runtime.queue.events(result.taskId).map((e) => e.type)).toEqual(['queued', 'claimed', 'completed', 'reply-sent']);
    expect(harness.runtime.outbox.forTask(result.taskId)[0]?.receipt).toBe(harness.adapter.sent[0]?.messageId);
  });

  it('routes everything that is not a built-in command to the route handler', async () => {
    harness = await startRuntime();
    harness.runtime.setRouteHandler(async (ctx) => {
      ctx.advance({ toolName: 'echo' });
      return { text: `echo: ${ctx.message.text}` };
    });
    const result = await harness.adapter.receive('hello there');
    if (result.status !== 'queued') throw new Error(result.status);
    const task = await answered(harness, result.taskId);
    expect(task?.toolName).toBe('echo');
    expect(harness.adapter.texts()).toEqual(['echo: hello there']);
  });

  it('answers an unknown command with the known ones, and refuses admin-only commands to others', async () => {
    harness = await startRuntime({
      config: { access: { admins: ['fake:owner'], allowedUsers: { telegram: [], discord: [], slack: [] } } },
    });
    harness.runtime.commands.register({
      name: 'secret',
      description: 'x',
      usage: '/secret',
      privileges: ['operate'],
      run: () => ({ text: 'the secret' }),
    });
    const unknown = await harness.adapter.receive('/frobnicate now');
    if (unknown.status !== 'queued') throw new Error(unknown.status);
    await answered(harness, unknown.taskId);
    expect(harness.adapter.texts()[0]).toMatch(/I don't know the command \/frobnicate\. I know: .*\/help.*\/ping/);
    const admin = await harness.adapter.receive('/secret');
    if (admin.status !== 'queued') throw new Error(admin.status);
    await answered(harness, admin.taskId);
    expect(harness.adapter.texts()[1]).toBe('the secret');
  });

  it('refuses a stranger once per cooldown, showing their id, and runs nothing', async () => {
    harness = await startRuntime();
    const stranger = { user: { id: 'mallory', name: 'M' } };
    const first = await harness.adapter.receive('hello?', stranger);
    const second = await harness.adapter.receive('anyone there?', stranger);
    expect(first).toEqual({ status: 'refused', reason: 'not-allowed' });
    expect(second).toEqual({ status: 'refused', reason: 'not-allowed' });
    await waitFor(() => harness?.adapter.sent.length === 1, 2000, 'refusal');
    await sleep(systemClock, 50);
    expect(harness.adapter.texts()).toEqual([expect.stringContaining('`mallory`')]);
    expect(harness.runtime.queue.stats()).toEqual({ pending: 0, running: 0, oldestPendingAt: null });
  });

  it('refuses a stranger once per cooldown, slash commands included, runs nothing, and lets the owner through at once', async () => {
    harness = await startRuntime();
    const stranger = { user: { id: 'mallory', name: 'M' } };
    for (let i = 0; i < 300; i += 1) {
      const text = i % 2 ? `/task ${i}` : `let me in ${i}`;
      expect(await harness.adapter.receive(text, stranger)).toEqual({ status: 'refused', reason: 'not-allowed' });
    }
    const ping = await harness.adapter.receive('/ping');
    if (ping.status !== 'queued') throw new Error(ping.status);
    await answered(harness, ping.taskId);
    await waitFor(() => harness?.adapter.sent.length === 2, 2000, 'one refusal and the pong');
    expect(harness.adapter.texts().filter((text) => text.includes('`mallory`'))).toHaveLength(1);
    expect(harness.adapter.texts()).toContain('pong');
    expect(harness.runtime.outbox.counts().pending).toBe(0);
    expect(harness.runtime.queue.stats()).toEqual({ pending: 0, running: 0, oldestPendingAt: null });
  });

  it('caps the arguments of a command like any text, so a huge /ask stores and routes at most 16,000 characters', async () => {
    harness = await startRuntime({ route: async ({ message }) => ({ text: `routed ${message.text.length}` }) });
    const result = await harness.adapter.receive(`/ask ${'x'.repeat(1_000_000)}`);
    if (result.status !== 'queued') throw new Error(result.status);
    await answered(harness, result.taskId);
    const stored = harness.runtime.queue.get(result.taskId)?.message as { command: { args: string } };
    expect(stored.command.args.length).toBe(16_000);
    expect(harness.adapter.texts()).toEqual(['routed 16000']);
  });

  it('refuses a message of only invisible characters without creating a task', async () => {
    harness = await startRuntime();
    expect(await harness.adapter.receive('\u200b\u200d \ufeff')).toEqual({ status: 'refused', reason: 'empty' });
    await waitFor(() => harness?.adapter.sent.length === 1, 2000, 'reply');
    expect(harness.adapter.texts()[0]).toMatch(/looks empty/);
  });

  it('a duplicate delivery of the same platform message is one task and one answer', async () => {
    harness = await startRuntime();
    const first = await harness.adapter.receive('/ping', { id: 'same' });
    const again = await harness.adapter.receive('/ping', { id: 'same' });
    if (first.status !== 'queued') throw new Error(first.status);
    expect(again).toEqual({ status: 'duplicate', taskId: first.taskId });
    await answered(harness, first.taskId);
    await sleep(systemClock, 50);
    expect(harness.adapter.texts()).toEqual(['pong']);
  });

  it('retries a retryable failure after a backoff and then succeeds', async () => {
    const clock = new FakeClock();
    harness = await startRuntime({ clock, config: { queue: { retryBaseSeconds: 10 } } });
    let calls = 0;
    harness.runtime.setRouteHandler(async () => {
      calls += 1;
      if (calls === 1) throw new PieBrainError('LLM_UNAVAILABLE', 'ollama is down', { retryAfterMs: 30_000 });
      return { text: 'worked the second time' };
    });
    const result = await harness.adapter.receive('do it');
    if (result.status !== 'queued') throw new Error(result.status);
    await flushMicrotasks();
    expect(harness.runtime.queue.get(result.taskId)?.status).toBe('pending');
    await clock.advance(29_000);
    expect(calls).toBe(1);
    await clock.advance(1_100);
    await answered(harness, result.taskId);
    expect(calls).toBe(2);
    expect(harness.adapter.texts()).toEqual(['worked the second time']);
  });

  it('a failure that is not retryable gets a clear reply without internals', async () => {
    harness = await startRuntime();
    harness.runtime.setRouteHandler(async () => {
      throw new TypeError('cannot read property x of undefined at /secret/path.js:12');
    });
    const result = await harness.adapter.receive('boom');
    if (result.status !== 'queued') throw new Error(result.status);
    const task = await answered(harness, result.taskId);
    expect(task?.status).toBe('failed');
    expect(harness.adapter.texts()[0]).toMatch(/^Sorry, task \d+ failed: Something went wrong inside pie-brain/);
    expect(harness.adapter.texts()[0]).not.toContain('/secret/path');
  });

  it('/task and /cancel: a user sees their own tasks only, and the same id on another platform is someone else', async () => {
    harness = await startRuntime({
      config: { access: { admins: ['telegram:owner'], allowedUsers: { telegram: ['ada'], discord: ['ada'] } } },
    });
    const discord = new FakeChatAdapter('discord');
    harness.runtime.addAdapter(discord);
    await discord.start(harness.runtime.intake);
    harness.runtime.setRouteHandler(
      (ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    );
    const telegram = new FakeChatAdapter('telegram');
    harness.runtime.addAdapter(telegram);
    await telegram.start(harness.runtime.intake);
    const own = await telegram.receive('take forever', { user: { id: 'ada', name: 'Ada' } });
    if (own.status !== 'queued') throw new Error(own.status);
    await waitFor(() => harness?.runtime.queue.get(own.taskId)?.status === 'routing', 2000, 'task running');
    const look = await discord.receive(`/task ${own.taskId}`, { user: { id: 'ada', name: 'Not Ada' } });
    const stop = await discord.receive(`/cancel ${own.taskId}`, { user: { id: 'ada', name: 'Not Ada' } });
    if (look.status !== 'queued' || stop.status !== 'queued') throw new Error('not queued');
    await answered(harness, look.taskId);
    await answered(harness, stop.taskId);
    expect(discord.texts()).toEqual([`There is no task ${own.taskId}.`, `There is no task ${own.taskId}.`]);
    expect(harness.runtime.queue.get(own.taskId)?.status).toBe('routing');
    const mine = await telegram.receive(`/cancel ${own.taskId}`, { user: { id: 'ada', name: 'Ada' } });
    if (mine.status !== 'queued') throw new Error(mine.status);
    await answered(harness, own.taskId);
    expect(harness.runtime.queue.get(own.taskId)?.status).toBe('cancelled');
  });

  it('/cancel stops a running task and says so', async () => {
    harness = await startRuntime();
    harness.runtime.setRouteHandler(
      (ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    );
    const slow = await harness.adapter.receive('take forever');
    if (slow.status !== 'queued') throw new Error(slow.status);
    await waitFor(() => harness?.runtime.queue.get(slow.taskId)?.status === 'routing', 2000, 'task running');
    const cancel = await harness.adapter.receive(`/cancel ${slow.taskId}`);
    if (cancel.status !== 'queued') throw new Error(cancel.status);
    await answered(harness, slow.taskId);
    await answered(harness, cancel.taskId);
    expect(harness.runtime.queue.get(slow.taskId)?.status).toBe('cancelled');
    expect(harness.adapter.texts().sort()).toEqual([`Stopping task ${slow.taskId}.`, `Task ${slow.taskId} was cancelled.`].sort());
  });

  it('stops a task that runs past the timeout', async () => {
    const clock = new FakeClock();
    harness = await startRuntime({ clock, config: { engine: { taskTimeoutSeconds: 60 } } });
    harness.runtime.setRouteHandler(() => new Promise(() => {}));
    const result = await harness.adapter.receive('hang');
    if (result.status !== 'queued') throw new Error(result.status);
    await clock.advance(61_000);
    const task = await answered(harness, result.taskId);
    expect(task?.status).toBe('failed');
    expect(harness.adapter.texts()[0]).toMatch(/took longer than 60 s/);
  });

  it('sleeps when idle: no timer is armed and nothing runs', async () => {
    const clock = new FakeClock();
    harness = await startRuntime({ clock });
    const result = await harness.adapter.receive('/ping');
    if (result.status !== 'queued') throw new Error(result.status);
    await answered(harness, result.taskId);
    await flushMicrotasks();
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it('a shutdown releases a running task, and the next start finishes it with exactly one reply', async () => {
    harness = await startRuntime();
    let release: () => void = () => {};
    harness.runtime.setRouteHandler(
      (ctx) =>
        new Promise((resolve, reject) => {
          release = () => resolve({ text: 'finished after restart' });
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    );
    const result = await harness.adapter.receive('long job');
    if (result.status !== 'queued') throw new Error(result.status);
    await waitFor(() => harness?.runtime.queue.get(result.taskId)?.status === 'routing', 2000, 'task running');
    const root = harness.root;
    await harness.runtime.stop(50);
    expect(harness.runtime.db.open).toBe(false);
    const firstAdapter = harness.adapter;
    const restarted = await startRuntime({ dir: root, route: async () => ({ text: 'finished after restart' }) });
    harness = restarted;
    await restarted.runtime.intake.whenAnswered(result.taskId);
    expect(restarted.runtime.queue.get(result.taskId)).toMatchObject({ status: 'done', attempts: 1 });
    expect(firstAdapter.sent).toHaveLength(0);
    expect(restarted.adapter.texts()).toEqual(['finished after restart']);
    release();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../fakes/clock.js';
import { waitFor } from '../helpers.js';
import { startRuntime } from './runtime-harness.js';

type Harness = Awaited<ReturnType<typeof startRuntime>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function queued(h: Harness, text: string): Promise<number> {
  const result = await h.adapter.receive(text);
  if (result.status !== 'queued') throw new Error(result.status);
  return result.taskId;
}

describe('task controls', () => {
  it('a handler moves its own deadline past the ordinary task timeout', async () => {
    const clock = new FakeClock();
    harness = await startRuntime({ clock, config: { engine: { taskTimeoutSeconds: 60 } } });
    harness.runtime.setRouteHandler((ctx) => {
      ctx.extendDeadline(300_000);
      return new Promise(() => {});
    });
    const taskId = await queued(harness, 'a long cloud run');
    await clock.advance(61_000);
    expect(harness.runtime.queue.get(taskId)?.status).toBe('routing');
    await clock.advance(240_000);
    await harness.runtime.intake.whenAnswered(taskId);
    expect(harness.runtime.queue.get(taskId)?.status).toBe('failed');
    expect(harness.adapter.texts()[0]).toMatch(/took longer than 300 s/);
  });

  it('refunds the attempt of a claim once, however often it is asked', async () => {
    harness = await startRuntime();
    harness.runtime.setRouteHandler(async (ctx) => {
      ctx.refundAttempt();
      ctx.refundAttempt();
      return { text: 'picked up where the last process left off' };
    });
    const taskId = await queued(harness, 'resume');
    await harness.runtime.intake.whenAnswered(taskId);
    expect(harness.runtime.queue.get(taskId)).toMatchObject({ status: 'done', attempts: 0 });
    expect(harness.runtime.queue.events(taskId).filter((e) => e.type === 'attempt-refunded')).toHaveLength(1);
  });

  it('a shutdown lets go of detached work at once: released with its attempt refunded, never aborted', async () => {
    harness = await startRuntime();
    let signal: AbortSignal | undefined;
    let outcome: unknown;
    harness.runtime.setRouteHandler(async (ctx) => {
      signal = ctx.signal;
      try {
        return await ctx.detached(new Promise<never>(() => {}));
      } catch (error) {
        outcome = error;
        throw error;
      }
    });
    const taskId = await queued(harness, 'a detached run');
    await waitFor(() => signal, 2000, 'the task to start');
    // A grace far beyond the test's own timeout: stop() returns only because it does not wait for it.
    await harness.runtime.stop(10 * 60_000);
    expect(signal?.aborted).toBe(false);
    expect(outcome).toMatchObject({ code: 'TASK_CANCELLED' });
    const root = harness.root;
    const restarted = await startRuntime({ dir: root, route: async () => ({ text: 'the run’s answer' }) });
    harness = restarted;
    await restarted.runtime.intake.whenAnswered(taskId);
    expect(restarted.runtime.queue.events(taskId).filter((e) => e.type === 'released')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ error: 'interrupted by shutdown' }) }),
    ]);
    expect(restarted.runtime.queue.get(taskId)).toMatchObject({ status: 'done', attempts: 1 });
    expect(restarted.adapter.texts()).toEqual(['the run’s answer']);
  });

  it('detached work that starts during a shutdown is let go as soon as it starts', async () => {
    harness = await startRuntime();
    let start: () => void = () => {};
    const begun = new Promise<void>((resolve) => {
      start = resolve;
    });
    let running = false;
    harness.runtime.setRouteHandler(async (ctx) => {
      running = true;
      await begun;
      return ctx.detached(new Promise<never>(() => {}));
    });
    const taskId = await queued(harness, 'launching');
    await waitFor(() => running, 2000, 'the task to start');
    const stopped = harness.runtime.engine.stop(10 * 60_000);
    await flushMicrotasks();
    start();
    await stopped;
    expect(harness.runtime.queue.get(taskId)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers.js';
import { type HandoffHost, hostsOnOneDir, pidAlive } from './handoff-host.js';

const { start, stop, forget } = hostsOnOneDir('pie-brain-limits-');

const runRow = (host: HandoffHost, taskId: number) =>
  host.runtime.db.prepare('SELECT outcome, settled FROM brain_runs WHERE task_id = ?').get(taskId);

describe('the limits of a cloud run', () => {
  it('lets a run go on past engine.taskTimeoutSeconds: the run has its own limit', async () => {
    const host = await start({ config: { engine: { taskTimeoutSeconds: 1 } } });
    const taskId = await host.ask('/handoff [wait] longer than a task may take');
    await host.waitForCli('claude', 'start');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(host.runtime.queue.get(taskId)?.status).toBe('executing');
    host.openGate();
    await host.answered(taskId);
    expect(host.runtime.queue.get(taskId)?.status).toBe('done');
    expect(host.repliesFor(taskId).map((reply) => reply.text)).toEqual(['Done: [wait] longer than a task may take']);
  });

  it('stops a run past brains.runTimeoutMinutes: its whole process group, a clear answer, its cost booked', async () => {
    // Three seconds: time for the fake CLI (under its capture process) to start its grandchild on a busy machine.
    const host = await start({ config: { brains: { runTimeoutMinutes: 0.05 } } });
    const taskId = await host.ask('/handoff [forever] [child] endless');
    await host.waitForCli('claude', 'grandchild');
    const claude = host.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
    const grandchild = host.cli().find((e) => e.event === 'grandchild')?.child as number;
    await host.answered(taskId);
    expect(host.runtime.queue.get(taskId)?.status).toBe('failed');
    const [reply] = host.repliesFor(taskId);
    expect(reply?.text).toContain(
      `claude-code was still working after 3.0 s, the limit of one cloud run (brains.runTimeoutMinutes), so I stopped it: its whole process group (pid ${host.runPid(taskId)}) was ended.`,
    );
    expect(reply?.text).toMatch(/_claude-code · \$[\d.]+ \(estimated\) · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 2 turns_/);
    expect(pidAlive(claude)).toBe(false);
    await waitFor(() => !pidAlive(grandchild), 3000, 'the grandchild to be gone');
    expect(runRow(host, taskId)).toEqual({ outcome: 'timeout', settled: 1 });
    const [entry] = host.runtime.ledger.forTask(taskId);
    expect(entry).toMatchObject({ kind: 'brain', provider: 'claude-code', estimated: true });
    expect(entry?.costUsd).toBeGreaterThan(0);
    const progress = host.runtime.outbox.forTask(taskId).find((row) => row.kind === 'progress');
    await waitFor(
      () => host.adapter.edits.some((edit) => edit.messageId === progress?.receipt && edit.reply.text.includes('at its time limit')),
      3000,
      'the progress message to say so',
    );
  });

  it('stops a run found again after a restart once it is past its limit', async () => {
    const first = await start();
    const taskId = await first.ask('/handoff [forever] started before the restart');
    await first.waitForCli('claude', 'start');
    const claude = first.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
    await stop(first);
    // Past the second process's limit already: the limit counts from the run's start.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(pidAlive(claude)).toBe(true);

    const second = await start({ config: { brains: { runTimeoutMinutes: 0.01 } } });
    await second.answered(taskId);
    expect(second.repliesFor(taskId)[0]?.text).toMatch(/claude-code was still working after (\d+ ms|\d+\.\d s), the limit/);
    expect(pidAlive(claude)).toBe(false);
    expect(runRow(second, taskId)).toEqual({ outcome: 'timeout', settled: 1 });
  });
});

describe('a shutdown during a cloud run', () => {
  it('releases the task at once, and the next start answers it exactly once', async () => {
    const first = await start();
    const taskId = await first.ask('/handoff [wait] [turns:2] survive a restart');
    await first.waitForCli('claude', 'start');
    await waitFor(() => first.runtime.outbox.forTask(taskId).some((row) => row.kind === 'progress'), 5000, 'the run to be watched');
    const claude = first.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
    // A grace far beyond the test's own timeout: stop() returns only because it does not wait for it.
    await first.runtime.stop(10 * 60_000);
    forget(first);
    expect(pidAlive(claude)).toBe(true);

    const second = await start();
    second.openGate();
    await second.answered(taskId);
    // Neither the shutdown nor the re-attach counted as an attempt.
    expect(second.runtime.queue.get(taskId)).toMatchObject({ status: 'done', attempts: 0 });
    const released = second.runtime.queue.events(taskId).filter((e) => e.type === 'released');
    expect(released.map((e) => e.data?.error)).toEqual(['interrupted by shutdown']);
    expect(second.repliesFor(taskId).map((reply) => reply.text)).toEqual(['Done: [wait] [turns:2] survive a restart']);
    expect(second.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
  });
});

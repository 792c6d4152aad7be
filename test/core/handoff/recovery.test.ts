import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../storage/db.js';
import { waitFor } from '../../helpers.js';
import { hostsOnOneDir, pidAlive, readCliLog } from './handoff-host.js';

const { start, stop } = hostsOnOneDir('pie-brain-recovery-');

/** pie-brain stops (gracefully: the run goes on), the task's state changes behind its back, pie-brain starts again. */
async function restartAfter(text: string, status: 'cancelled' | 'dead') {
  const first = await start();
  const taskId = await first.ask(text);
  await first.waitForCli('claude', 'start');
  const claude = first.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
  await stop(first);
  expect(pidAlive(claude)).toBe(true);
  const db = openDatabase(`${first.paths.home}/pie-brain.db`);
  db.prepare('UPDATE tasks SET status = ?, lease_until = NULL WHERE id = ?').run(status, taskId);
  db.close();
  return { taskId, claude, host: await start() };
}

describe('runs found again at start-up', () => {
  it('stops a run whose task was cancelled while pie-brain was down', async () => {
    const { taskId, claude, host } = await restartAfter('/handoff [forever] [child] long job', 'cancelled');
    await waitFor(() => !pidAlive(claude), 5000, 'the run to be stopped');
    const outcome = () =>
      (host.runtime.db.prepare('SELECT outcome FROM brain_runs WHERE task_id = ?').get(taskId) as { outcome: string | null }).outcome;
    await waitFor(outcome, 5000, 'the run to be recorded');
    expect(host.runtime.db.prepare('SELECT outcome, settled FROM brain_runs WHERE task_id = ?').get(taskId)).toEqual({
      outcome: 'cancelled',
      settled: 1,
    });
    const grandchild = readCliLog(host.logFile).find((e) => e.event === 'grandchild')?.child as number;
    await waitFor(() => !pidAlive(grandchild), 3000, 'the grandchild to be gone');
  });

  it('still posts the answer, once, of a run whose task was given up on', async () => {
    const { taskId, host } = await restartAfter('/handoff [wait] late answer', 'dead');
    host.openGate();
    const late = await waitFor(
      () => host.runtime.outbox.forTask(taskId).find((row) => row.dedupeKey === `brain-late:1`),
      10_000,
      'the late answer',
    );
    expect(late.body).toMatchObject({ text: `Task ${taskId}'s claude-code run finished after all:\n\nDone: [wait] late answer` });
    expect(host.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
  });
});

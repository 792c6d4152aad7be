import { describe, expect, it } from 'vitest';
import { clockFrom } from '../../fakes/clock.js';
import { waitFor } from '../../helpers.js';
import { type HandoffHost, hostsOnOneDir, pidAlive } from './handoff-host.js';

// Budgets through the real SQLite spend gate, on a clock that starts mid-month (no month turns under a test).
const { start, stop } = hostsOnOneDir('pie-brain-spend-meter-', { clock: clockFrom('2026-11-23T11:00:00Z') });

/** Another paid call booked this month (the router's, a digest summary...). */
function spendElsewhere(host: HandoffHost, costUsd: number): void {
  host.runtime.ledger.record({
    kind: 'llm',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    tokensIn: 1,
    tokensOut: 1,
    costUsd,
    latencyMs: 1,
    createdAt: host.runtime.clock.now(),
  });
}

const holdOf = (host: HandoffHost, taskId: number) => {
  const row = host.runtime.db.prepare('SELECT reservation_id FROM brain_runs WHERE task_id = ?').get(taskId) as { reservation_id: string };
  return host.holds.get(row.reservation_id);
};
const monthSpent = (host: HandoffHost) =>
  host.runtime.ledger.spentBetween(Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-12-01T00:00:00Z'));

describe('spend is held while a run runs', () => {
  it('stops aider at its cap: its cost lines are the only meter, and the month stays inside its budget', async () => {
    const host = await start({
      config: { brains: { default: 'aider', fallback: [], maxRunUsd: 2 }, timeZone: 'UTC' },
      budget: { profile: 'CAREFUL', perRunUsd: 2, monthlyUsd: 5 },
    });
    const taskId = await host.ask('/handoff [climb] rewrite everything');
    await host.answered(taskId);

    expect(host.runtime.queue.get(taskId)?.status).toBe('failed');
    const [reply] = host.repliesFor(taskId);
    expect(reply?.text).toMatch(
      /I stopped aider at \$2\.[05]0: that reached its cap of \$2\.00 \(brains\.maxRunUsd\)\. Its whole process group \(pid \d+\) was ended, and what it spent is booked\./,
    );
    // aider would have gone on to $10 (it has no budget flag): it was stopped at the first line at or past $2.
    const calls = host.cli().filter((e) => e.tool === 'aider' && e.event === 'call');
    expect(calls.length).toBeLessThan(20);
    expect(host.cli().some((e) => e.tool === 'aider' && e.event === 'end')).toBe(false);
    expect(pidAlive(host.runPid(taskId) as number)).toBe(false);
    const [entry] = host.runtime.ledger.forTask(taskId);
    expect(entry).toMatchObject({ kind: 'brain', provider: 'aider', estimated: false });
    expect(entry?.costUsd).toBeGreaterThanOrEqual(2);
    expect(entry?.costUsd).toBeLessThanOrEqual(2.5);
    expect(holdOf(host, taskId)).toMatchObject({ status: 'settled', actualUsd: entry?.costUsd });
    expect(monthSpent(host)).toBeLessThanOrEqual(5);
    const run = host.runtime.db.prepare('SELECT outcome, settled, reason FROM brain_runs WHERE task_id = ?').get(taskId);
    expect(run).toEqual({ outcome: 'capped', settled: 1, reason: 'its cap of $2.00' });
  });

  it('stops Claude Code at its cap from the estimated cost of its messages, and books the estimate', async () => {
    const host = await start({ config: { brains: { maxRunUsd: 2 }, timeZone: 'UTC' }, budget: { profile: 'CAREFUL', monthlyUsd: 20 } });
    // Each model call reads 400k input tokens ($1.21 at the price table): the second one crosses $2.
    const taskId = await host.ask('/handoff [pricey] [slow] [turns:10] read the whole monorepo');
    await host.answered(taskId);

    const [reply] = host.repliesFor(taskId);
    expect(reply?.text).toMatch(/I stopped claude-code at \$2\.\d\d \(estimated\): that reached its cap of \$2\.00 \(brains\.maxRunUsd\)/);
    expect(reply?.text).toMatch(/_claude-code · \$2\.\d\d \(estimated\) · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 2 turns_/);
    expect(host.cli().some((e) => e.tool === 'claude' && e.event === 'end')).toBe(false);
    const [entry] = host.runtime.ledger.forTask(taskId);
    expect(entry).toMatchObject({ provider: 'claude-code', estimated: true, reportedCostUsd: null });
    expect(entry?.costUsd).toBeCloseTo((2 * (400_000 * 3 + 120 * 15 + 2000 * 3.75 + 10_000 * 0.3)) / 1e6, 6);
    expect(holdOf(host, taskId)).toMatchObject({ status: 'settled', actualUsd: entry?.costUsd });
    // The progress message said what it had cost so far, as an estimate, and how it ended.
    const progress = host.runtime.outbox.forTask(taskId).find((row) => row.kind === 'progress');
    await waitFor(
      () =>
        host.adapter.edits.some(
          (edit) => edit.messageId === progress?.receipt && edit.reply.text.includes('was stopped at what it may spend'),
        ),
      3000,
      'the progress message to say so',
    );
    expect(host.adapter.edits.some((edit) => /\$1\.\d\d so far \(estimated\)$/.test(edit.reply.text))).toBe(true);
  });

  it('books a Claude Code result without total_cost_usd at an estimate from its usage, never a known $0', async () => {
    const host = await start();
    const taskId = await host.ask('/handoff [nocost] [turns:2] a run whose result line has no cost');
    await host.answered(taskId);
    expect(host.repliesFor(taskId)[0]?.footer).toMatch(/^claude-code · \$0\.0246 \(estimated\) · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 2 turns$/);
    const [entry] = host.runtime.ledger.forTask(taskId);
    expect(entry).toMatchObject({ estimated: true, reportedCostUsd: null });
    // The larger of the two estimates: the result's usage, and the messages' usage (2 x 3 input, 120 output,
    // 2,000 cache-write and 10,000 cache-read tokens at Sonnet's list prices).
    expect(entry?.costUsd).toBeCloseTo((2 * (3 * 3 + 120 * 15 + 2000 * 3.75 + 10_000 * 0.3)) / 1e6, 9);
  });

  it('holds a run re-attached after a restart to the budget left, and settles its reservation', async () => {
    const first = await start({
      config: { brains: { default: 'aider', fallback: [], maxRunUsd: 2 }, timeZone: 'UTC' },
      budget: { profile: 'CAREFUL', monthlyUsd: 5 },
      env: { FAKE_AIDER_STEP_MS: '150' },
    });
    spendElsewhere(first, 3);
    const taskId = await first.ask('/handoff [wait] [climb] migrate the database layer');
    await first.waitForCli('aider', 'start');
    const reservation = holdOf(first, taskId);
    expect(reservation).toMatchObject({ status: 'held', capUsd: 2 });
    await stop(first);

    // The owner lowers the monthly budget while pie-brain is down: $1.50 is left beside the $3 spent.
    const second = await start({
      config: { brains: { default: 'aider', fallback: [], maxRunUsd: 2 }, timeZone: 'UTC' },
      budget: { profile: 'CAREFUL', monthlyUsd: 4.5 },
    });
    second.openGate();
    await second.answered(taskId);

    const [reply] = second.repliesFor(taskId);
    expect(reply?.text).toMatch(
      /I stopped aider at \$1\.50: that reached the \$1\.50 left of this month's \$4\.50 budget \(budget\.monthlyUsd\)\./,
    );
    expect(second.cli().filter((e) => e.tool === 'aider' && e.event === 'start')).toHaveLength(1);
    const [entry] = second.runtime.ledger.forTask(taskId);
    expect(entry?.costUsd).toBe(1.5);
    // The hold made before the restart is settled (not left to expire while the ledger counts the cost too).
    expect(holdOf(second, taskId)).toMatchObject({ id: reservation?.id, status: 'settled', actualUsd: 1.5 });
    expect(second.holds.held()).toEqual([]);
    expect(monthSpent(second)).toBeCloseTo(4.5, 9);
  });
});

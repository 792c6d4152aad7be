import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetSettings } from '../../../core/costs/budget.js';
import { BudgetAlerts } from '../../../core/costs/budget-alerts.js';
import { dayOf, monthOf } from '../../../core/costs/calendar.js';
import { SqliteSpendGate } from '../../../core/costs/spend-gate.js';
import { LedgerStats } from '../../../storage/ledger-stats.js';
import { describeSpendGateContract, refusalOf } from '../../contracts/spend-gate.js';
import { openCostsFixture } from './cost-fixtures.js';

const fixtures: Array<ReturnType<typeof openCostsFixture>> = [];
afterEach(() => {
  for (const fixture of fixtures.splice(0)) fixture.close();
});

/** A CAREFUL $10 gate; `rollups` reads spend as production does (LedgerStats), else the ledger itself. */
function setup(settings: Partial<BudgetSettings> = {}, start?: string, totals: 'ledger' | 'rollups' = 'ledger') {
  const fixture = openCostsFixture(start);
  fixtures.push(fixture);
  const full: BudgetSettings = {
    profile: 'CAREFUL',
    monthlyUsd: 10,
    dailyUsd: null,
    perRunUsd: null,
    alertPercents: [50, 80, 100],
    timeZone: 'UTC',
    ...settings,
  };
  const ledger = totals === 'rollups' ? new LedgerStats(fixture.db) : fixture.ledger;
  const gate = new SqliteSpendGate({ ledger, holds: fixture.holds, clock: fixture.clock, settings: full });
  const spend = (costUsd: number) =>
    fixture.ledger.record({
      kind: 'llm',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      tokensIn: 1,
      tokensOut: 1,
      costUsd,
      latencyMs: 1,
      createdAt: fixture.clock.now(),
    });
  return { ...fixture, gate, settings: full, spend };
}

// Built as CostHealthServices builds it: budgets read the ledger's rollups, holds live in SQLite.
describeSpendGateContract('SqliteSpendGate (CAREFUL, $10 a month)', () => {
  const { gate, settings, spend, close } = setup({}, undefined, 'rollups');
  return {
    gate,
    limitUsd: settings.monthlyUsd,
    settle(reservation, actualUsd) {
      spend(actualUsd);
      reservation.settle(actualUsd);
    },
    close,
  };
});

const request = (capUsd: number) => ({ taskId: 1, provider: 'claude-code', model: 'claude-sonnet-4-5', capUsd, purpose: 'coding task' });

describe('spend gate', () => {
  it('FREE refuses every paid call with a message for the user', () => {
    const { gate } = setup({ profile: 'FREE' });
    const error = refusalOf(() => gate.reserve(request(0.01)));
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.userMessage).toMatch(/FREE.*local model/);
  });

  it('CAREFUL passes calls under the monthly limit and refuses the one that would cross it', () => {
    const { gate, spend, holds } = setup();
    spend(7);
    const first = gate.reserve(request(2));
    expect(holds.get(first.id)).toMatchObject({ status: 'held', purpose: 'coding task', capUsd: 2 });
    const error = refusalOf(() => gate.reserve(request(1.5)));
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.userMessage).toContain("only $1.00 of this month's $10.00 budget is left");
    first.release();
    expect(gate.reserve(request(1.5)).capUsd).toBe(1.5);
  });

  it('a settled call counts through the ledger, not through its hold', () => {
    const { gate, spend, holds } = setup();
    const run = gate.reserve(request(5));
    spend(1.25);
    run.settle(1.25);
    expect(holds.get(run.id)).toMatchObject({ status: 'settled', actualUsd: 1.25 });
    const status = gate.status();
    expect(status.month.spentUsd).toBeCloseTo(1.25);
    expect(status.month.heldUsd).toBe(0);
    expect(status.month.leftUsd).toBeCloseTo(8.75);
  });

  it('applies the per-run and daily caps and asks for a purpose', async () => {
    const { gate, spend, clock } = setup({ perRunUsd: 1, dailyUsd: 2 });
    expect(refusalOf(() => gate.reserve(request(1.5))).userMessage).toMatch(/at most \$1\.00 \(budget\.perRunUsd\)/);
    spend(1.5);
    expect(refusalOf(() => gate.reserve(request(1))).userMessage).toMatch(/today's \$2\.00 budget/);
    expect(refusalOf(() => gate.reserve({ ...request(0.1), purpose: ' ' })).code).toBe('VALIDATION');
    await clock.advance(24 * 3600_000);
    expect(gate.reserve(request(1)).capUsd).toBe(1);
  });

  it('holds a user to their share of the monthly budget, also under UNLIMITED, and narrows their allowance to it', () => {
    for (const profile of ['CAREFUL', 'UNLIMITED'] as const) {
      const { gate } = setup({ profile });
      const friend = { key: 'telegram:7', share: 0.2 };
      gate.reserve({ ...request(1.5), user: friend }).settle(1.5);
      expect(refusalOf(() => gate.reserve({ ...request(1), user: friend })).userMessage).toMatch(
        /only \$0\.50 of your \$2\.00 share of this month's budget is left/,
      );
      const small = gate.reserve({ ...request(0.25), user: friend });
      expect(small.allowance()).toMatchObject({ usd: 0.25, limit: 'cap' });
      gate.reserve({ ...request(0.2), user: { key: 'telegram:8', share: 0.2 } });
      expect(gate.reserve(request(5)).capUsd).toBe(5);
    }
  });

  it('UNLIMITED records the hold but never refuses', () => {
    const { gate, spend } = setup({ profile: 'UNLIMITED' });
    spend(50);
    expect(gate.reserve(request(100)).capUsd).toBe(100);
    expect(gate.status().month.heldUsd).toBe(100);
  });

  it('a hold left by a crash stops counting once it expires', async () => {
    const { gate, clock } = setup();
    gate.reserve(request(9));
    expect(refusalOf(() => gate.reserve(request(2))).code).toBe('BUDGET_EXCEEDED');
    await clock.advance(6 * 3600_000 + 1);
    expect(gate.reserve(request(2)).capUsd).toBe(2);
  });

  it('the month turns at local midnight of the configured zone, not at UTC midnight', async () => {
    // 30 Nov 21:00 in Los Angeles is 1 Dec 05:00 UTC: still November there.
    const { gate, spend, clock } = setup({ timeZone: 'America/Los_Angeles' }, '2026-12-01T05:00:00Z');
    spend(9.5);
    await clock.advance(2 * 3600_000 + 59 * 60_000); // 23:59 on 30 Nov, local
    expect(gate.status().month.period.key).toBe('2026-11');
    expect(refusalOf(() => gate.reserve(request(1))).code).toBe('BUDGET_EXCEEDED');
    await clock.advance(2 * 60_000); // 00:01 on 1 Dec, local
    expect(gate.status().month.period.key).toBe('2026-12');
    expect(gate.status().month.spentUsd).toBe(0);
    expect(gate.reserve(request(9)).capUsd).toBe(9);
  });

  it('months and days follow daylight-saving changes', () => {
    const april = monthOf(Date.parse('2027-03-31T22:30:00Z'), 'Europe/Berlin');
    expect(april.key).toBe('2027-04');
    expect(new Date(april.start).toISOString()).toBe('2027-03-31T22:00:00.000Z');
    const march = monthOf(Date.parse('2027-03-15T12:00:00Z'), 'Europe/Berlin');
    expect(new Date(march.start).toISOString()).toBe('2027-02-28T23:00:00.000Z');
    const shortDay = dayOf(Date.parse('2027-03-28T12:00:00Z'), 'Europe/Berlin');
    expect(shortDay.end - shortDay.start).toBe(23 * 3600_000);
  });

  it('two processes racing the last dollar: exactly one passes', async () => {
    const { spend, file, db, clock } = setup();
    spend(9);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const script = fileURLToPath(new URL('../../fixtures/reserve-race.mjs', import.meta.url));
    const contenders = 4;
    // Monotonic (faketime leaves it real), so the contenders start together whatever the wall clock says.
    const goAt = Number(process.hrtime.bigint() / 1000n) / 1000 + 1500;
    const outputs = await Promise.all(
      Array.from(
        { length: contenders },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, [script, file, String(goAt), '0.6'], {
              stdio: ['ignore', 'pipe', 'inherit'],
              env: { ...process.env, PIE_BRAIN_TEST_CLOCK: String(clock.now()) },
            });
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => {
              out += chunk.toString();
            });
            child.on('error', reject);
            child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`contender exited with ${code}: ${out}`))));
          }),
      ),
    );
    const results = outputs.map((out) => out.trim().split('\n').at(-1));
    expect(results.filter((r) => r === 'passed')).toHaveLength(1);
    expect(results.filter((r) => r === 'refused')).toHaveLength(contenders - 1);
    const held = db.prepare("SELECT COUNT(*) AS n FROM spend_reservations WHERE status = 'held'").get() as { n: number };
    expect(held.n).toBe(1);
  });
});

describe('budget alerts', () => {
  it('posts 50, 80 and 100 % once each per month, and again in the next month', async () => {
    const { gate, spend, alerts, kv, raised, clock, settings } = setup({}, '2026-11-10T12:00:00Z');
    const budgetAlerts = new BudgetAlerts({ alerts, kv, settings, status: () => gate.status() });
    spend(4.9);
    expect(budgetAlerts.check()).toBeUndefined();
    spend(0.1);
    expect(budgetAlerts.check()).toBe(50);
    expect(budgetAlerts.check()).toBeUndefined();
    spend(3);
    expect(budgetAlerts.check()).toBe(80);
    spend(0.5);
    expect(budgetAlerts.check()).toBeUndefined();
    spend(1.5);
    expect(budgetAlerts.check()).toBe(100);
    expect(budgetAlerts.check()).toBeUndefined();
    expect(raised.map((a) => a.key)).toEqual(['budget:2026-11:50', 'budget:2026-11:80', 'budget:2026-11:100']);
    expect(raised[2]?.severity).toBe('critical');
    expect(raised[2]?.text).toMatch(/Paid calls are refused until 1 Dec/);
    await clock.advance(25 * 24 * 3600_000);
    spend(9);
    expect(budgetAlerts.check()).toBe(80);
    expect(raised.at(-1)?.key).toBe('budget:2026-12:80');
  });
});

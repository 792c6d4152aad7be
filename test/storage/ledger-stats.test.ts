import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/db.js';
import { SqliteLedger } from '../../storage/ledger.js';
import { BUCKET_MS, LedgerStats } from '../../storage/ledger-stats.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('ledger rollups', () => {
  const db = openDatabase(join(dir.path, 'stats.db'), { synchronous: 'OFF' });
  const ledger = new SqliteLedger(db);
  const stats = new LedgerStats(db);
  const start = Date.parse('2026-11-01T00:00:00Z');
  const rows: Array<{ at: number; provider: string; cost: number; taskId: number | null }> = [];
  for (let i = 0; i < 600; i += 1) {
    const provider = ['ollama', 'anthropic', 'claude-code'][i % 3] as string;
    const row = {
      at: start + i * 137_777,
      provider,
      cost: provider === 'ollama' ? 0 : ((i % 7) + 1) / 100,
      taskId: i % 11 === 0 ? null : Math.floor(i / 4),
    };
    rows.push(row);
    ledger.record({
      taskId: row.taskId,
      kind: provider === 'claude-code' ? 'brain' : 'llm',
      provider,
      model: provider === 'ollama' ? 'qwen2.5:1.5b' : 'claude-sonnet-4-5',
      tokensIn: 10,
      tokensOut: 2,
      costUsd: row.cost,
      reportedCostUsd: provider === 'claude-code' ? row.cost * 1.1 : null,
      estimated: i % 5 === 0,
      latencyMs: 5,
      createdAt: row.at,
    });
  }
  const ranges: Array<[number, number]> = [
    [start, start + 86_400_000],
    [start + 12_345, start + 40 * BUCKET_MS + 999],
    [start + 100, start + 200],
    [start - 86_400_000, start + 10 * 86_400_000],
  ];

  it('give the same sums and groups as the ledger itself, ragged edges included', () => {
    for (const [from, to] of ranges) {
      expect(stats.spentBetween(from, to)).toBeCloseTo(ledger.spentBetween(from, to), 9);
      const byKey = (groups: ReturnType<typeof stats.groups>) =>
        Object.fromEntries(
          groups.map((g) => [
            `${g.provider}/${g.kind}`,
            [g.calls, Number(g.costUsd.toFixed(9)), g.tokensIn, Number(g.reportedUsd.toFixed(9)), Number(g.estimatedUsd.toFixed(9))],
          ]),
        );
      const expected: Record<string, number[]> = {};
      for (const row of ledger.between(from, to)) {
        const key = `${row.provider}/${row.kind}`;
        const acc = expected[key] ?? [0, 0, 0, 0, 0];
        expected[key] = [
          (acc[0] ?? 0) + 1,
          Number(((acc[1] ?? 0) + row.costUsd).toFixed(9)),
          (acc[2] ?? 0) + row.tokensIn,
          Number(((acc[3] ?? 0) + (row.reportedCostUsd ?? 0)).toFixed(9)),
          Number(((acc[4] ?? 0) + (row.estimated ? row.costUsd : 0)).toFixed(9)),
        ];
      }
      expect(byKey(stats.groups(from, to))).toEqual(expected);
    }
  });

  it('rank tasks by their paid total', () => {
    const totals = new Map<number, number>();
    for (const row of rows) if (row.taskId !== null && row.cost > 0) totals.set(row.taskId, (totals.get(row.taskId) ?? 0) + row.cost);
    const expected = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
    const top = stats.topTasks(start, start + 30 * 86_400_000, 5);
    expect(top.map((t) => [t.taskId, Number(t.costUsd.toFixed(9))])).toEqual(expected.map(([id, cost]) => [id, Number(cost.toFixed(9))]));
    expect(top[0]?.providers.split(',').sort()).toEqual(['anthropic', 'claude-code']);
  });

  it('follow deletions (retention)', () => {
    const cut = start + 3 * 86_400_000;
    db.prepare('DELETE FROM ledger WHERE created_at < ?').run(cut);
    for (const [from, to] of ranges) expect(stats.spentBetween(from, to)).toBeCloseTo(ledger.spentBetween(from, to), 9);
    const remaining = db
      .prepare(
        'SELECT COUNT(*) AS n FROM ledger_task_spend WHERE task_id NOT IN (SELECT task_id FROM ledger WHERE task_id IS NOT NULL AND cost_usd > 0)',
      )
      .get() as { n: number };
    expect(remaining.n).toBe(0);
    const empty = db.prepare('SELECT COUNT(*) AS n FROM ledger_rollup WHERE bucket < ?').get(Math.floor(cut / BUCKET_MS)) as { n: number };
    expect(empty.n).toBe(0);
    db.close();
  });
});

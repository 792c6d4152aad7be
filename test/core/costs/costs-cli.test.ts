import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSince } from '../../../core/costs/costs-cli.js';
import { MONITOR_SNAPSHOT_KEY } from '../../../core/health/monitor-export.js';
import { openDatabase } from '../../../storage/db.js';
import { KeyValueStore } from '../../../storage/kv.js';
import { SqliteLedger } from '../../../storage/ledger.js';
import { tempDir } from '../../helpers.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../../dist/main.js', import.meta.url));
const home = tempDir();
afterAll(() => home.remove());

function cli(...args: string[]) {
  return run(process.execPath, [main, 'costs', ...args], { env: { ...process.env, PIE_BRAIN_HOME: home.path, PIE_BRAIN_CONFIG: '' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

beforeAll(() => {
  const db = openDatabase(join(home.path, 'pie-brain.db'));
  const ledger = new SqliteLedger(db);
  const base = { kind: 'llm' as const, tokensIn: 10, tokensOut: 5, latencyMs: 100 };
  ledger.record({
    ...base,
    taskId: 1,
    provider: 'ollama',
    model: 'qwen2.5:1.5b',
    costUsd: 0,
    createdAt: Date.parse('2026-10-31T12:00:00Z'),
  });
  ledger.record({
    ...base,
    taskId: 2,
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    costUsd: 0.0125,
    purpose: 'summary, "quoted"',
    createdAt: Date.parse('2026-11-02T08:00:00Z'),
  });
  ledger.record({
    ...base,
    taskId: 3,
    kind: 'brain',
    provider: 'claude-code',
    model: 'claude-sonnet-4-5',
    costUsd: 0.5,
    reportedCostUsd: 0.52,
    createdAt: Date.parse('2026-11-03T08:00:00Z'),
  });
  db.close();
});

describe('pie-brain costs', () => {
  it('exports every ledger row as CSV', async () => {
    const { code, stdout } = await cli('export', '--format', 'csv');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,created_at,task_id,kind,provider,model,tokens_in,tokens_out,cache_read_tokens,cache_write_tokens,cost_usd,reported_cost_usd,estimated,latency_ms,purpose',
    );
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe('2,2026-11-02T08:00:00.000Z,2,llm,anthropic,claude-haiku-4-5,10,5,0,0,0.0125,,false,100,"summary, ""quoted"""');
  });

  it('exports JSON from a date on', async () => {
    const { code, stdout } = await cli('export', '--format=json', '--since', '2026-11-01');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<{ provider: string; reported_cost_usd: number | null }>;
    expect(rows.map((r) => r.provider)).toEqual(['anthropic', 'claude-code']);
    expect(rows[1]?.reported_cost_usd).toBe(0.52);
  });

  it('prints the monitor snapshot the running process saved, as CSV or JSON', async () => {
    expect((await cli('monitor', '--format', 'json')).code).toBe(1);
    const db = openDatabase(join(home.path, 'pie-brain.db'));
    const at = Date.parse('2026-11-23T12:00:00Z');
    new KeyValueStore(db).set(MONITOR_SNAPSHOT_KEY, {
      at,
      providers: [{ provider: 'ollama', state: 'up', score: 97, recommendation: 'OPTIMAL', p50Ms: 800, p95Ms: 1900 }],
    });
    db.close();
    const csv = await cli('monitor', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n')[1]).toMatch(/^2026-11-23T12:00:00.000Z,ollama,up,97,OPTIMAL,800,1900,/);
    const json = await cli('monitor', '--format', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ at: '2026-11-23T12:00:00.000Z', providers: [{ provider: 'ollama' }] });
  });

  it('says how to use it on a bad call', async () => {
    const bad = await cli('export', '--format', 'xml');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pie-brain costs export --format csv|json [--since DATE]');
    expect((await cli('export', '--since', 'last tuesday')).code).toBe(2);
  });

  it('reads --since as local midnight in the configured zone, or as an ISO time', () => {
    expect(parseSince('2026-11-01', 'Europe/Berlin')).toBe(Date.parse('2026-10-31T23:00:00Z'));
    expect(parseSince('2026-11-01T10:00:00Z', 'UTC')).toBe(Date.parse('2026-11-01T10:00:00Z'));
    expect(parseSince('soon', 'UTC')).toBeUndefined();
  });
});

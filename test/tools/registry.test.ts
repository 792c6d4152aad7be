import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventBus } from '../../core/engine/events.js';
import { ToolRegistry } from '../../core/engine/tool-registry.js';
import { openDatabase } from '../../storage/db.js';
import { loadTools } from '../../tools/index.js';
import { FakeClock } from '../fakes/clock.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('the tools folder', () => {
  it('loads every tool module, each with its slash commands and a params schema the router can describe', async () => {
    const registry = new ToolRegistry();
    const db = openDatabase(':memory:');
    const report = await loadTools(
      { config: testConfig(), paths: testPaths(dir.path), logger: quietLogger(), clock: new FakeClock(), db, bus: new EventBus() },
      registry,
    );
    expect(report.loaded).toEqual(expect.arrayContaining(['arxiv', 'git', 'run_code']));
    expect(report.skipped.filter((s) => s.reason !== 'not configured')).toEqual([]);
    expect(registry.bySlashCommand('arxiv')?.tool.name).toBe('arxiv');
    expect(registry.bySlashCommand('git')?.tool.name).toBe('git');
    expect(registry.bySlashCommand('run')?.tool.name).toBe('run_code');
    expect(registry.bySlashCommand('runs')?.slash.toParams('needle')).toEqual({ action: 'list', query: 'needle' });
    expect(registry.get('run_code')?.privileges).toEqual(['runCode']);
    expect(registry.get('git')?.privileges).toEqual(['changeRepo']);
    expect(registry.get('arxiv')?.privileges).toEqual(['read', 'writeNotes']);
    for (const tool of registry.list()) expect(() => z.toJSONSchema(tool.params, { io: 'input' })).not.toThrow();
    db.close();
  });

  it('the compiled program loads them too (dist/tools/*.js)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const output = execFileSync(process.execPath, ['dist/main.js', 'start'], {
      cwd: root,
      input: '/help\n',
      encoding: 'utf8',
      env: { ...process.env, PIE_BRAIN_HOME: `${dir.path}/home`, PIE_BRAIN_BRAIN_DIR: `${dir.path}/brain`, PIE_BRAIN_CONFIG: '' },
      timeout: 20_000,
    });
    expect(output).toContain('`/arxiv <id | title | discover>`');
    expect(output).toContain('`/run <python|js> <code>`');
    expect(output).toContain('`/runs [query]`');
    expect(output).toContain('`/git repos | start <repo> <branch> | finish <repo> <commit message>`');
  });
});

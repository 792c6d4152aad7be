import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../core/engine/events.js';
import { loadToolFolder } from '../../core/engine/tool-loading.js';
import { ToolRegistry } from '../../core/engine/tool-registry.js';
import { openDatabase } from '../../storage/db.js';
import { FakeClock } from '../fakes/clock.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../helpers.js';
import { toolContext } from '../tools/context.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('loadToolFolder', () => {
  it('registers what each factory returns and skips what is not configured or broken', async () => {
    const registry = new ToolRegistry();
    const db = openDatabase(':memory:');
    const deps = {
      config: testConfig(),
      paths: testPaths(dir.path),
      logger: quietLogger(),
      clock: new FakeClock(),
      db,
      bus: new EventBus(),
    };
    const report = await loadToolFolder(
      fileURLToPath(new URL('../fixtures/tool-modules/', import.meta.url)),
      deps,
      registry,
      quietLogger(),
    );
    expect(report.loaded).toEqual(['echo']);
    expect(report.skipped.map((s) => [s.file, s.reason])).toEqual([
      ['broken.ts', 'its factory failed: the native module is missing'],
      ['not-a-tool.ts', 'its default export is not a tool factory'],
      ['not-configured.ts', 'not configured'],
    ]);
    const slash = registry.bySlashCommand('echo');
    expect(slash?.tool.name).toBe('echo');
    const result = await slash?.tool.runLocal(slash.slash.toParams('hi'), toolContext());
    expect(result?.text).toBe(`hi (data dir ${deps.paths.home})`);
    db.close();
  });

  it('a missing folder is reported, not thrown', async () => {
    const report = await loadToolFolder(`${dir.path}/nowhere`, {}, new ToolRegistry(), quietLogger());
    expect(report.loaded).toEqual([]);
    expect(report.skipped[0]?.reason).toMatch(/could not be loaded/);
  });
});

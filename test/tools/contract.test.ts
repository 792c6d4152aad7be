import { afterAll, expect, it } from 'vitest';
import { EventBus } from '../../core/engine/events.js';
import { ToolRegistry } from '../../core/engine/tool-registry.js';
import { openDatabase } from '../../storage/db.js';
import { loadTools } from '../../tools/index.js';
import { closeNoteStore, openNoteStore } from '../../tools/lib/open-memory.js';
import { describeToolContract, TYPICAL_SLASH_ARGS } from '../contracts/tool.js';
import { FakeClock } from '../fakes/clock.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../fixtures/tiny-embedder.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../helpers.js';
import { toolContext } from './context.js';

// Every module of tools/, loaded by the loader main.ts uses, runs the tool contract.
const dir = tempDir('pie-brain-tool-contract-');
const db = openDatabase(':memory:');
const deps = {
  config: testConfig({ memory: { model: TINY_MODEL, modelsDir: TINY_MODELS_DIR } }),
  paths: testPaths(dir.path),
  logger: quietLogger(),
  clock: new FakeClock(),
  db,
  bus: new EventBus(),
};
const registry = new ToolRegistry();
const report = await loadTools(deps, registry);

afterAll(async () => {
  await closeNoteStore(openNoteStore(deps));
  db.close();
  dir.remove();
});

it('every module of tools/ gives a tool, so none skips the contract', () => {
  expect(report.skipped).toEqual([]);
  expect(report.loaded.length).toBeGreaterThan(0);
});

for (const tool of registry.list()) {
  describeToolContract(tool.name, () => ({ tool, typicalArgs: TYPICAL_SLASH_ARGS, context: toolContext }));
}

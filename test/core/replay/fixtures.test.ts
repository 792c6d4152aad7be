import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../core/access.js';
import { compareReplay } from '../../../core/replay/compare-replay.js';
import { formatReplayReport } from '../../../core/replay/format-report.js';
import { parseRecording } from '../../../core/replay/recording.js';
import { replayTask } from '../../../core/replay/replay-task.js';
import { openDatabase } from '../../../storage/db.js';
import { SqliteOutbox } from '../../../storage/outbox.js';
import { SqliteTaskQueue } from '../../../storage/queue.js';
import { FakeClock } from '../../fakes/clock.js';
import { createTestTools } from '../../fakes/tools.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../../helpers.js';
import { ADMIN, decisionJson } from '../router/harness.js';
import { createReplayHarness, type ReplayHarness } from './replay-harness.js';

// Recorded tasks kept as fixtures: each must replay identically through today's router, dispatcher and chat.
// A change to the routing prompt or the test tools' catalog on purpose makes the model calls miss: record them
// again with PIE_BRAIN_RECORD_FIXTURES=1 npx vitest run test/core/replay/fixtures.test.ts (the same scripted
// model answers), and look at the diff of the files before committing them.
const FIXTURES = fileURLToPath(new URL('../../fixtures/replay/', import.meta.url));

const scenarios: Record<string, (h: ReplayHarness) => Promise<number>> = {
  'model-routes-to-memory': async (h) => {
    h.fake.onChat(() => decisionJson('memory', { action: 'search', query: 'the greenhouse' }, false, 'notes'));
    return (await h.say('where was the greenhouse idea')).taskId;
  },
  'chat-answer': async (h) => {
    h.fake.onChat((request) => (request.format ? decisionJson('chat', {}, false, 'small talk') : 'Tomatoes like six hours of sun.'));
    return (await h.say('how much sun do tomatoes want')).taskId;
  },
  'rules-when-model-down': async (h) => {
    h.fake.down = true;
    return (await h.say('find papers on soil microbes')).taskId;
  },
  'handoff-to-cloud': async (h) => {
    h.fake.onChat(() => decisionJson('git', { action: 'task', task: 'add a CONTRIBUTING file' }, true, 'coding'));
    return (await h.say('add a CONTRIBUTING file to my project')).taskId;
  },
  'tool-failure': async (h) => {
    h.fake.onChat(() => decisionJson('memory', { action: 'search', query: 'invoices' }, false, 'notes'));
    h.tools.memory.answer = () => {
      throw new Error('index is locked');
    };
    return (await h.say('my invoices from march')).taskId;
  },
};

const scratch = tempDir();
afterAll(() => scratch.remove());

describe.runIf(process.env.PIE_BRAIN_RECORD_FIXTURES)('recording the replay fixtures', () => {
  it.each(Object.keys(scenarios))('records %s', async (name) => {
    const h = await createReplayHarness({ handoff: async (request) => ({ text: `Opened a pull request for: ${request.prompt}` }) });
    try {
      const taskId = await scenarios[name]?.(h);
      mkdirSync(FIXTURES, { recursive: true });
      writeFileSync(join(FIXTURES, `${name}.json`), `${JSON.stringify(h.recording(taskId ?? 0), null, 2)}\n`);
    } finally {
      await h.close();
    }
  });
});

describe('committed recordings replay identically', () => {
  const files = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));

  it('there is one fixture per scenario, each small', () => {
    expect(files.map((file) => file.replace(/\.json$/, '')).sort()).toEqual(Object.keys(scenarios).sort());
    for (const file of files) expect(readFileSync(join(FIXTURES, file)).length).toBeLessThan(8000);
  });

  it.each(files)('%s', async (file) => {
    const recording = parseRecording(JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')), file);
    const config = testConfig({ access: { admins: [ADMIN] } });
    const db = openDatabase(':memory:');
    try {
      const run = await replayTask(recording, {
        config,
        paths: testPaths(scratch.path),
        tools: Object.values(createTestTools()),
        policy: new AccessPolicy(config),
        history: { queue: new SqliteTaskQueue(db), outbox: new SqliteOutbox(db) },
        clock: new FakeClock(),
        logger: quietLogger(),
      });
      const report = compareReplay(recording, run, 'recording');
      expect(report.verdict, formatReplayReport(report)).toBe('identical');
    } finally {
      db.close();
    }
  });
});

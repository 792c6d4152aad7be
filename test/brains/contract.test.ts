import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Brain, BrainOutputs } from '../../core/contracts/brain.js';
import { BrainRegistry } from '../../core/handoff/brain-registry.js';
import { systemClock } from '../../core/lib/clock.js';
import { openDatabase } from '../../storage/db.js';
import { KeyValueStore } from '../../storage/kv.js';
import { type BrainHarness, describeBrainContract, type RecordedRun } from '../contracts/brain.js';
import { BRAINS_DIR, readCliLog } from '../core/handoff/handoff-host.js';
import { FakeAnthropic } from '../fakes/anthropic.js';
import { tempDir, waitFor } from '../helpers.js';
import { brainDeps, runCommand } from './brain-deps.js';

// Every module of brains/, loaded the way main.ts loads them, runs the brain contract.
const dir = tempDir('pie-brain-brain-contract-');
const cliLog = join(dir.path, 'cli.log');
const api = new FakeAnthropic();
await api.start();
const SECRET = 'sk-contract-secret-0123456789';
const deps = brainDeps(dir.path, {
  config: { anthropic: { baseUrl: api.url, model: 'claude-sonnet-4-5', maxTokens: 1000 } },
  env: { FAKE_BRAIN_LOG: cliLog },
  anthropicApiKey: SECRET,
});
const db = openDatabase(':memory:');
const registry = await BrainRegistry.load(BRAINS_DIR, deps, {
  kv: new KeyValueStore(db),
  clock: systemClock,
  defaultName: 'claude-code',
  fallback: [],
});

afterAll(async () => {
  await api.stop();
  db.close();
  dir.remove();
});

function start(brain: Brain, prompt: string): ReturnType<typeof runCommand> {
  return runCommand(
    brain.buildCommand({ taskId: 1, prompt, cwd: dir.path, runDir: dir.path, maxBudgetUsd: 1 }),
    deps.env,
    deps.config.brains.passEnv,
  );
}

function run(brain: Brain, prompt: string): Promise<BrainOutputs> {
  return start(brain, prompt).done;
}

/** What the fake CLIs log when the real one would treat text as more than a prompt. */
const HAZARDS = new Set(['slash-command', 'file-inlined', 'argv-error', 'in-chat-command', 'url-fetched', 'playwright-installed']);

/** A harness for a brain behind a fake CLI of test/fixtures/bin, whose prompt markers choose the run. */
function fakeCliHarness(brain: Brain, prompts: Record<RecordedRun, string>): BrainHarness {
  let logged = 0;
  return {
    brain,
    cwd: dir.path,
    secret: SECRET,
    run: (prompt) => {
      logged = readCliLog(cliLog).length;
      return run(brain, prompt);
    },
    lastPrompt: () => readCliLog(cliLog).findLast((event) => event.event === 'start')?.prompt,
    hazards: () =>
      readCliLog(cliLog)
        .slice(logged)
        .filter((event) => HAZARDS.has(event.event))
        .map((event) => `${event.tool} ${event.event}`),
    record: (kind) => run(brain, prompts[kind]),
    close: async () => {},
  };
}

/** The anthropic brain's runner against FakeAnthropic: a crash is the runner killed while it waits for the answer. */
function anthropicHarness(brain: Brain): BrainHarness {
  return {
    brain,
    cwd: dir.path,
    secret: SECRET,
    run: (prompt) => run(brain, prompt),
    lastPrompt: () => {
      const messages = api.requests.at(-1)?.body.messages as Array<{ content: string }> | undefined;
      return messages?.[0]?.content;
    },
    // One Messages API call: nothing reads the text but the model.
    hazards: () => [],
    record: async (kind) => {
      if (kind === 'success') api.answer({ text: 'Here is the summary.' });
      if (kind === 'error') api.answer({ status: 400, type: 'invalid_request_error', message: 'max_tokens: too large' });
      if (kind !== 'crash') return run(brain, 'summarise the papers');
      api.answer({ text: 'never sent', delayMs: 20_000 });
      const asked = api.requests.length;
      const started = start(brain, 'crash');
      await waitFor(() => api.requests.length > asked, 10_000, 'the runner to call the API');
      started.child.kill('SIGKILL');
      return started.done;
    },
    close: async () => {},
  };
}

const HARNESSES: Record<string, (brain: Brain) => BrainHarness> = {
  'claude-code': (brain) => fakeCliHarness(brain, { success: 'explain the parser', error: '[error] deploy', crash: '[crash] go' }),
  aider: (brain) => fakeCliHarness(brain, { success: 'tidy the notes', error: '[fail] rename', crash: '[crash] rename' }),
  anthropic: anthropicHarness,
};

it('every brain of brains/ has a harness here, so none skips the contract', () => {
  const names = registry.list().map((brain) => brain.name);
  expect(names.length).toBeGreaterThan(0);
  expect(names.filter((name) => !HARNESSES[name])).toEqual([]);
});

for (const brain of registry.list()) {
  const harness = HARNESSES[brain.name];
  if (harness) describeBrainContract(brain.name, async () => harness(brain));
}

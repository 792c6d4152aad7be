import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../core/config.js';
import { installRouter } from '../../../core/router/install.js';
import { installSupervisor } from '../../../core/supervisor/install.js';
import { PlanSessionStore } from '../../../storage/plan-sessions.js';
import { FakeOllama } from '../../fakes/ollama.js';
import { createTestTools } from '../../fakes/tools.js';
import { quietLogger } from '../../helpers.js';
import { type HandoffHost, type HandoffHostOptions, startHandoffHost } from '../handoff/handoff-host.js';
import { planJson } from './plan-harness.js';

let host: HandoffHost | undefined;
let ollama: FakeOllama;

beforeEach(async () => {
  ollama = await new FakeOllama().start();
  ollama.onChat(() =>
    planJson(['memory', { action: 'search', query: 'parser' }, false, 'search my notes'], ['chat', {}, true, 'write the parser report']),
  );
});
afterEach(async () => {
  host?.openGate();
  await host?.close();
  host = undefined;
  await ollama.close();
});

/** The cloud brains with fake CLIs, the test tools, the router on the fake Ollama, and /plan. */
async function startPlanHost(options: HandoffHostOptions = {}): Promise<HandoffHost> {
  const started = await startHandoffHost(options);
  for (const tool of Object.values(createTestTools())) started.runtime.tools.add(tool);
  const config: Config = { ...started.runtime.options.config, ollama: { host: ollama.host } };
  const routing = installRouter(started.runtime, { config, paths: started.paths, logger: quietLogger(), handoff: started.harness.handler });
  installSupervisor(started.runtime, { config, logger: quietLogger(), routing });
  return started;
}

describe('a plan with a cloud step', () => {
  it('starts one detached cloud run for its step, through the same handoff as any request', async () => {
    host = await startPlanHost();
    const taskId = await host.ask('/plan look at my parser notes and write a report on the parser');
    await host.answered(taskId);
    const starts = host.cli().filter((event) => event.event === 'start');
    expect(starts).toHaveLength(1);
    expect(starts[0]?.prompt).toContain('look at my parser notes and write a report on the parser');
    expect(starts[0]?.prompt).toContain('This step: write the parser report');
    const reply = host.repliesFor(taskId).at(-1);
    expect(reply?.text).toContain('*2. write the parser report* (cloud brain): done\nDone: ');
    expect(reply?.text).toMatch(/2 of 2 steps done\.$/);
    // The run's own footer stays with its step; the answer's footer adds up the whole task.
    expect(reply?.text).toMatch(/_claude-code · \$0\.0123 · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 2 turns_\n\n2 of 2/);
    expect(reply?.footer).toMatch(/^local \+ claude-code · \$0\.0123 · /);
    const plan = new PlanSessionStore(host.runtime.db).forTask(taskId);
    expect(plan?.steps.map((step) => [step.toolName, step.handoff, step.status])).toEqual([
      ['memory', false, 'done'],
      ['chat', true, 'done'],
    ]);
  });

  it('keeps to the budget: a cloud step the budget cannot pay for starts nothing, and the answer says why', async () => {
    host = await startPlanHost({ limitUsd: 1, config: { brains: { maxRunUsd: 2 } } });
    const taskId = await host.ask('/plan look at my parser notes and write a report on the parser');
    await host.answered(taskId);
    expect(host.cli().filter((event) => event.event === 'start')).toEqual([]);
    const reply = host.repliesFor(taskId).at(-1);
    // The step the budget refused counts as refused, with the reason, not as done.
    expect(reply?.text).toContain(
      '*2. write the parser report* (cloud brain): refused\nthis run may cost up to $2.00 and only $1.00 of the $1.00 monthly budget is left.',
    );
    expect(reply?.text).toMatch(/1 of 2 steps done; 1 refused\.$/);
    const plan = new PlanSessionStore(host.runtime.db).forTask(taskId);
    expect(plan?.steps.map((step) => step.status)).toEqual(['done', 'refused']);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../core/access.js';
import type { HandoffRequest } from '../../../core/contracts/handoff.js';
import { RECORDED_OUTPUT_CHARS } from '../../../core/contracts/recording.js';
import { PieBrainError } from '../../../core/errors.js';
import { formatReplayReport } from '../../../core/replay/format-report.js';
import { notReplayable } from '../../../core/replay/replay-task.js';
import { createOllamaProvider } from '../../../core/router/install.js';
import { pruneFinished } from '../../../storage/retention.js';
import type { RecordedChat } from '../../fakes/ollama.js';
import { testConfig } from '../../helpers.js';
import { decisionJson } from '../router/harness.js';
import { createReplayHarness, type ReplayHarness } from './replay-harness.js';

const isRouting = (request: RecordedChat) => request.format !== undefined;
const handoffs: HandoffRequest[] = [];
let refuseHandoffs = false;
let h: ReplayHarness;

beforeEach(async () => {
  handoffs.length = 0;
  refuseHandoffs = false;
  h = await createReplayHarness({
    handoff: async (request) => {
      handoffs.push(request);
      if (refuseHandoffs)
        throw new PieBrainError('BUDGET_EXCEEDED', 'monthly budget spent', { userMessage: 'The monthly budget is spent.' });
      return { text: `The cloud brain did: ${request.prompt}` };
    },
  });
});
afterEach(async () => {
  await h.close();
});

/** The fake model routes everything to `decision` and chats with `chat`. */
function model(decision: string, chat = 'a chat answer'): void {
  h.fake.onChat((request) => (isRouting(request) ? decision : chat));
}

describe('replaying a recorded task: no model, no network, no tool run', () => {
  it('a task the model routed to a tool replays identically, without asking the model or running the tool', async () => {
    model(decisionJson('memory', { action: 'search', query: 'the garden plan' }, false, 'notes'));
    const { taskId, text } = await h.say('the garden plan from spring, where is it');
    expect(text).toBe('memory ran with {"action":"search","query":"the garden plan"}');
    const requestsBefore = h.fake.requests.length;
    const runsBefore = h.tools.memory.calls.length;

    const { run, report } = await h.replay(h.recording(taskId));

    expect(report.verdict).toBe('identical');
    expect(report.checks.map((c) => [c.name, c.same])).toEqual([
      ['route', true],
      ['params', true],
      ['reply', true],
    ]);
    expect(report.checks[0]?.recorded).toBe('model -> memory');
    expect(run.modelCalls.map((call) => [call.purpose, call.answeredBy])).toEqual([['route', 'recording']]);
    expect(h.fake.requests.length).toBe(requestsBefore);
    expect(h.tools.memory.calls.length).toBe(runsBefore);
    expect(formatReplayReport(report)).toMatch(/^Task \d+: identical \(replayed from its recording/);
  });

  it('a chat turn replays its route and the chat answer from the recording', async () => {
    model(decisionJson('chat', {}, false, 'small talk'), 'Raspberries are not berries, botanically.');
    const { taskId } = await h.say('tell me something about raspberries');
    const recording = h.recording(taskId);
    expect(recording.modelCalls.map((call) => call.purpose)).toEqual(['route', 'chat']);
    const { report } = await h.replay(recording);
    expect(report.verdict).toBe('identical');
    expect(report.checks[2]?.recorded).toBe('Raspberries are not berries, botanically.');
  });

  it('a rule-routed request, a tool slash command and /ask replay identically with no model call', async () => {
    model(decisionJson('chat'));
    const byRule = await h.say('2401.12345');
    const bySlash = await h.say('/note buy more seeds');
    const byAsk = await h.say('/ask 2402.00001');
    for (const { taskId } of [byRule, bySlash, byAsk]) {
      const { run, report } = await h.replay(h.recording(taskId));
      expect(report.verdict).toBe('identical');
      expect(run.modelCalls).toEqual([]);
    }
    expect(h.recording(bySlash.taskId).route).toMatchObject({ source: 'slash', tool: 'memory' });
    expect(h.tools.memory.calls.length).toBe(1);
  });

  it('a decision found in the route cache replays from the cached decision it was recorded with', async () => {
    model(decisionJson('memory', { action: 'search', query: 'compost' }));
    await h.say('anything on compost?');
    const cached = await h.say('anything on compost?', 'thread-2');
    const recording = h.recording(cached.taskId);
    expect(recording.route).toMatchObject({ source: 'cache', llmCalls: 0 });
    expect(recording.route?.cacheKey).toMatch(/^[0-9a-f]{32}$/);
    const { run, report } = await h.replay(recording);
    expect(report.verdict).toBe('identical');
    expect(run.modelCalls).toEqual([]);
  });

  it('routing that fell back to the rules while the model was down replays the same fallback', async () => {
    h.fake.down = true;
    const { taskId, text } = await h.say('find papers on bee health');
    expect(text).toContain('arxiv ran with');
    const recording = h.recording(taskId);
    expect(recording.modelCalls).toEqual([expect.objectContaining({ purpose: 'route', failure: { code: 'LLM_UNAVAILABLE' } })]);
    const { report } = await h.replay(recording);
    expect(report.verdict).toBe('identical');
    expect(report.checks[0]?.recorded).toBe('fallback -> arxiv');
  });

  it("a tool's failure is recorded, and the replay gives the same failure reply", async () => {
    model(decisionJson('memory', { action: 'search', query: 'taxes' }));
    h.tools.memory.answer = () => {
      throw new Error('the disk is on fire');
    };
    const { taskId, text } = await h.say('find my tax notes');
    expect(text).toContain('The memory tool failed');
    const { report } = await h.replay(h.recording(taskId));
    expect(report.verdict).toBe('identical');
  });

  it('a handoff replays from its recording: the cloud brain is never asked again', async () => {
    model(decisionJson('git', { action: 'task', task: 'add a README' }, true, 'coding'));
    const { taskId, text } = await h.say('write a README for my project');
    expect(text).toBe('The cloud brain did: write a README for my project');
    expect(handoffs).toHaveLength(1);
    const { report } = await h.replay(h.recording(taskId));
    expect(report.verdict).toBe('identical');
    expect(report.checks[0]?.recorded).toBe('model -> handoff to the cloud brain for git');
    expect(handoffs).toHaveLength(1);
  });

  it('a cloud run the budget refused replays as the same refusal, asking nothing', async () => {
    refuseHandoffs = true;
    model(decisionJson('git', { action: 'task', task: 'refactor' }, true, 'coding'));
    const { taskId, text } = await h.say('refactor my project');
    expect(text).toContain('The monthly budget is spent.');
    const { report } = await h.replay(h.recording(taskId));
    expect(report.verdict).toBe('identical');
    expect(handoffs).toHaveLength(1);
  });
});

describe('what a replay reports when something changed', () => {
  it('after user_prefs.md changed, the routing call is not in the recording: incomplete, with the message that changed', async () => {
    model(decisionJson('memory', { action: 'search', query: 'bees' }));
    const { taskId } = await h.say('how are my bees doing');
    h.writePrefs('I keep bees.');
    const requestsBefore = h.fake.requests.length;
    const { report } = await h.replay(h.recording(taskId));
    expect(report.verdict).toBe('incomplete');
    expect(report.notes.join('\n')).toMatch(
      /The route model call is not in the recording \(changed: message 1 \(system, \d+ -> \d+ characters\)\); no model was asked/,
    );
    expect(h.fake.requests.length).toBe(requestsBefore);
  });

  it('a reply that today\'s code builds differently is "different", with a unified diff', async () => {
    model(decisionJson('memory', { action: 'search', query: 'bees' }));
    const { taskId } = await h.say('how are my bees doing');
    const recording = h.recording(taskId);
    recording.reply = { text: 'line one\nmemory said something else' };
    const { report } = await h.replay(recording);
    expect(report.verdict).toBe('different');
    const reply = report.checks.find((c) => c.name === 'reply');
    expect(reply?.same).toBe(false);
    expect(reply?.diff).toContain('--- recorded');
    expect(reply?.diff).toContain('-memory said something else');
    expect(reply?.diff).toContain('+memory ran with {"action":"search","query":"bees"}');
  });

  it("today's privileges apply: a user who is no longer an admin gets the refusal, shown as a difference", async () => {
    const { taskId } = await h.say('/run python print(1)');
    const policy = new AccessPolicy(testConfig({ access: { admins: [], allowedUsers: { fake: ['owner'] } as never } }));
    const { report } = await h.replay(h.recording(taskId), { policy });
    expect(report.verdict).toBe('different');
    expect(report.checks.find((c) => c.name === 'reply')?.replayed).toMatch(/right to run code/);
    expect(h.tools.run_code.calls).toHaveLength(1);
  });

  it("--live asks today's model: a new decision shows as a route and params diff, and the new tool does not run", async () => {
    model(decisionJson('memory', { action: 'search', query: 'solar panels' }));
    const { taskId } = await h.say('papers on solar panels');
    const recording = h.recording(taskId);
    model(decisionJson('arxiv', { mode: 'search', query: 'solar panels' }));
    const live = createOllamaProvider(h.runtime, h.config);
    const { report } = await h.replay(recording, { live });
    expect(report.mode).toBe('live');
    expect(report.verdict).toBe('incomplete');
    expect(report.checks.find((c) => c.name === 'route')).toMatchObject({ same: false, recorded: 'memory', replayed: 'arxiv' });
    expect(report.checks.find((c) => c.name === 'params')?.diff).toContain('-  "action": "search"');
    expect(report.notes.join('\n')).toContain('The arxiv tool was asked for something the recording does not have');
    expect(h.tools.arxiv.calls).toHaveLength(0);
    const text = formatReplayReport(report);
    expect(text).toContain("replayed live: today's model");
    expect(text).toContain("Today's model answered 1 call");
  });

  it('--live waits for a model slower than the routing timeout (a cold model loading on a Pi)', async () => {
    model(decisionJson('memory', { action: 'search', query: 'moths' }));
    const { taskId } = await h.say('moths and lamps');
    h.fake.latencyMs = h.config.router.timeoutSeconds * 1000 + 500;
    const { report } = await h.replay(h.recording(taskId), { live: createOllamaProvider(h.runtime, h.config) });
    expect(report.verdict).toBe('identical');
  });

  it('--live with the same decision is identical, the route cache left out on purpose', async () => {
    model(decisionJson('memory', { action: 'search', query: 'kale' }));
    await h.say('kale notes');
    const cached = await h.say('kale notes', 'thread-2');
    const before = h.fake.chats().length;
    const { report } = await h.replay(h.recording(cached.taskId), { live: createOllamaProvider(h.runtime, h.config) });
    expect(report.verdict).toBe('identical');
    expect(h.fake.chats().length).toBe(before + 1);
  });
});

describe('who can make a replay do what', () => {
  it('a crafted recording that asks to run code runs nothing: the tool answers from the recording or misses', async () => {
    model(decisionJson('chat'));
    const { taskId } = await h.say('2401.12345');
    const crafted = h.recording(taskId);
    crafted.task.text = '/run python import os; os.system("rm -rf /")';
    crafted.task.command = { name: 'run', args: 'python import os; os.system("rm -rf /")' };
    const { run, report } = await h.replay(crafted);
    expect(h.tools.run_code.calls).toHaveLength(0);
    expect(run.toolCalls).toEqual([expect.objectContaining({ tool: 'run_code', found: false })]);
    expect(report.verdict).toBe('incomplete');
    expect(run.reply.text).toContain('Sorry, task');
  });
});

describe('what cannot be replayed', () => {
  it('a task traced before recording existed, a built-in command, and an unfinished task say so', async () => {
    model(decisionJson('memory', { action: 'search', query: 'owls' }));
    const { taskId } = await h.say('owls at dusk');
    const old = h.recording(taskId);
    delete old.route?.params;
    expect(notReplayable(old)).toBe(`Task ${taskId} ran before pie-brain recorded tasks for replay.`);
    const ping = h.recording((await h.say('/ping')).taskId);
    expect(notReplayable(ping)).toMatch(/\(\/ping\) never reached the router/);
    expect(notReplayable({ ...ping, task: { ...ping.task, status: 'executing' } })).toMatch(/has not finished yet \(executing\)/);
    expect(notReplayable(h.recording(taskId))).toBeUndefined();
  });
});

describe('what recording costs', () => {
  it('stores at most RECORDED_OUTPUT_CHARS of a tool output, and the replay says the output was cut', async () => {
    model(decisionJson('memory', { action: 'search', query: 'everything' }));
    h.tools.memory.answer = () => ({ text: 'x'.repeat(1_000_000) });
    const { taskId } = await h.say('show me everything');
    const row = h.runtime.db
      .prepare(`SELECT length(data) AS n FROM task_events WHERE task_id = ? AND type = 'tool:memory'`)
      .get(taskId) as {
      n: number;
    };
    expect(row.n).toBeLessThan(RECORDED_OUTPUT_CHARS + 1000);
    const { report } = await h.replay(h.recording(taskId));
    expect(report.verdict).toBe('incomplete');
    expect(report.notes.join('\n')).toContain('recorded output was cut');
  });

  it("records a digest of a model call's inputs, never the prompt text", async () => {
    h.writePrefs('My secret garden is behind the shed.');
    model(decisionJson('chat'), 'ok');
    const { taskId } = await h.say('hello there');
    const rows = h.runtime.db.prepare(`SELECT data FROM task_events WHERE task_id = ? AND type LIKE 'llm:%'`).all(taskId) as Array<{
      data: string;
    }>;
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.data).not.toContain('secret garden');
      expect(row.data).not.toContain('hello there');
      expect(row.data.length).toBeLessThan(1500);
    }
  });

  it('retention prunes a recording together with its task', async () => {
    model(decisionJson('memory', { action: 'search', query: 'figs' }));
    const { taskId } = await h.say('figs?');
    expect(h.recording(taskId).toolCalls).toHaveLength(1);
    await h.runtime.delivery.stop(1000);
    pruneFinished(h.runtime.db, h.runtime.clock.now() + 1);
    const left = h.runtime.db.prepare('SELECT COUNT(*) AS n FROM task_events WHERE task_id = ?').get(taskId) as { n: number };
    expect(left.n).toBe(0);
    expect(h.runtime.queue.get(taskId)).toBeUndefined();
  });
});

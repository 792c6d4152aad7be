import { utimesSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prefsPath } from '../../../core/router/prefs.js';
import { FakeClock } from '../../fakes/clock.js';
import { inbound, waitFor } from '../../helpers.js';
import { createRouterHarness, decisionJson, type RouterHarness, routedRequest } from './harness.js';

let h: RouterHarness;
let clock: FakeClock;

beforeEach(async () => {
  clock = new FakeClock();
  h = await createRouterHarness({ clock });
});
afterEach(async () => {
  await h.close();
});

const route = (text: string) => h.setup.router.route(inbound(text));

describe('fast path (no model call)', () => {
  it('runs a slash command a tool declares with the params the tool builds, and no model call', async () => {
    const ctx = h.task('/arxiv attention is all you need');
    expect((await h.handle(ctx)).text).toBe('arxiv ran with {"mode":"search","query":"attention is all you need"}');
    expect(h.fake.chats()).toHaveLength(0);
    expect(h.runtime.queue.events(ctx.task.id).find((event) => event.type === 'routed')?.data).toMatchObject({
      source: 'slash',
      tool: 'arxiv',
      llmCalls: 0,
    });
  });

  it('answers a slash command with bad arguments with its usage line', async () => {
    expect((await h.handle(h.task('/run'))).text).toContain('Usage: `/run [python|js] <code>`');
    expect(h.tools.run_code.calls).toHaveLength(0);
  });

  it('sends arXiv ids and URLs to arxiv', async () => {
    for (const [text, id] of [
      ['2401.12345', '2401.12345'],
      ['can you get me arXiv:2312.00752v2 please', '2312.00752v2'],
      ['https://arxiv.org/abs/1706.03762', '1706.03762'],
      ['look at https://arxiv.org/pdf/2005.14165v4.pdf', '2005.14165v4'],
    ] as const) {
      const outcome = await route(text);
      expect(outcome.source).toBe('rules');
      expect(outcome.decision).toMatchObject({ tool_name: 'arxiv', params: { mode: 'id', id } });
    }
    expect(h.fake.chats()).toHaveLength(0);
  });

  it('leaves an id inside a note to the model', async () => {
    h.fake.answerChat(decisionJson('memory', { action: 'save', text: '2401.12345: great MoE paper' }));
    const outcome = await route('2401.12345 is a great paper on MoE, keep a note of it');
    expect(outcome).toMatchObject({ source: 'model', decision: { tool_name: 'memory', params: { action: 'save' } } });
    const saved = await route('remember that 2401.12345 is a great paper on MoE');
    expect(saved).toMatchObject({ source: 'rules', decision: { tool_name: 'memory' } });
    expect(saved.decision?.params).toEqual({ action: 'save', text: '2401.12345 is a great paper on MoE' });
  });
});

describe('the model', () => {
  it('asks Ollama with a JSON-schema format, temperature 0, keep_alive and num_ctx, and uses a valid answer', async () => {
    h.fake.answerChat(decisionJson('arxiv', { mode: 'search', query: 'diffusion models' }, false, 'paper search'));
    const outcome = await route('find me some recent work about diffusion models');
    expect(outcome).toMatchObject({
      source: 'model',
      llmCalls: 1,
      decision: { tool_name: 'arxiv', params: { mode: 'search', query: 'diffusion models' }, handoff: false, reason: 'paper search' },
    });
    const [sent] = h.fake.chats();
    expect(sent?.keep_alive).toBe('30m');
    expect(sent?.options).toMatchObject({ temperature: 0 });
    expect(sent?.options?.num_ctx).toBeGreaterThanOrEqual(2048);
    const format = sent?.format as { anyOf: Array<{ properties: { tool_name: { const: string } } }> };
    expect(format.anyOf.map((variant) => variant.properties.tool_name.const)).toEqual(['arxiv', 'git', 'memory', 'run_code', 'chat']);
    expect(sent?.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(routedRequest(sent)).toBe('find me some recent work about diffusion models');
  });

  it('keeps everything before the request byte-identical across requests', async () => {
    h.writePrefs('# comment\nI study small language models.\n');
    h.fake.onChat(() => decisionJson('chat'));
    await route('tell me a joke');
    await route('how are you doing today?');
    await route('what is the capital of Mongolia');
    const chats = h.fake.chats();
    expect(chats).toHaveLength(3);
    const requests = ['tell me a joke', 'how are you doing today?', 'what is the capital of Mongolia'];
    // Everything the client sent, with the request text cut off the end of the last message.
    const before = chats.map((c, i) => {
      const request = requests[i] as string;
      const last = c.messages.at(-1)?.content ?? '';
      expect(last.endsWith(`\n${request}`)).toBe(true);
      return JSON.stringify({ ...c, messages: [...c.messages.slice(0, -1), { role: 'user', content: last.slice(0, -request.length) }] });
    });
    expect(new Set(before).size).toBe(1);
    expect(chats.map(routedRequest)).toEqual(requests);
    const system = chats[0]?.messages[0]?.content ?? '';
    expect(system.startsWith('# About the user\nI study small language models.')).toBe(true);
    expect(system).not.toContain('# comment');
    expect(system.indexOf('About the user')).toBeLessThan(system.indexOf('- arxiv'));
    expect(chats[0]?.messages.at(-1)?.content.indexOf('Route the request')).toBe(0);
  });

  it('reads user_prefs.md again when it changes, and only then', async () => {
    h.writePrefs('I like short answers.');
    h.fake.onChat(() => decisionJson('chat'));
    await route('hello there');
    h.writePrefs('I like long, detailed answers.');
    utimesSync(prefsPath(h.runtime.options.paths.brainDir), new Date(), new Date(Date.now() + 5000));
    await route('hello again');
    const [first, second] = h.fake.chats();
    expect(first?.messages[0]?.content).toContain('I like short answers.');
    expect(second?.messages[0]?.content).toContain('I like long, detailed answers.');
  });

  it('caches decisions: a repeated request skips the model until prefs change', async () => {
    h.fake.onChat(() => decisionJson('chat', {}, false, 'small talk'));
    await route('good morning!');
    const again = await route('  good morning!  ');
    expect(again).toMatchObject({ source: 'cache', llmCalls: 0, decision: { tool_name: 'chat', reason: 'small talk' } });
    expect(h.fake.chats()).toHaveLength(1);
    expect(h.setup.router.cacheStats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
    h.writePrefs('New prefs.');
    expect((await route('good morning!')).source).toBe('model');
    expect(h.fake.chats()).toHaveLength(2);
  });

  it('forgets cached decisions after the TTL', async () => {
    h.fake.onChat(() => decisionJson('chat'));
    await route('good evening');
    await clock.advance(h.config.router.cacheTtlSeconds * 1000 + 1);
    expect((await route('good evening')).source).toBe('model');
  });
});

describe('bad model output: one repair, then the rules, never a crash', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', 'I think you want the arxiv tool', /not a JSON object/],
    ['an unknown tool', decisionJson('web_browser', { url: 'x' }), /there is no tool "web_browser"/],
    ['params that fail the schema', decisionJson('arxiv', { mode: 'fetch-all' }), /params do not fit tool "arxiv"/],
    ['a refusal', "I'm sorry, but I can't help with that request.", /reads like a refusal/],
    ['a wrong shape', JSON.stringify({ tool: 'arxiv' }), /right fields/],
  ];

  for (const [what, answer, problem] of bad) {
    it(`repairs ${what} when the second answer is good`, async () => {
      h.fake.answerChat(answer, decisionJson('memory', { action: 'search', query: 'moe' }));
      const outcome = await route('what was that thing about mixture of experts');
      expect(outcome).toMatchObject({ source: 'model-repaired', llmCalls: 2, decision: { tool_name: 'memory' } });
      const repair = h.fake.chats()[1];
      expect(repair?.messages.at(-2)).toEqual({ role: 'assistant', content: answer });
      expect(repair?.messages.at(-1)?.content).toMatch(problem);
      expect(repair?.messages[0]).toEqual(h.fake.chats()[0]?.messages[0]);
    });

    it(`falls back to the rules after ${what} twice`, async () => {
      h.fake.answerChat(answer, answer);
      const outcome = await route('please sync the notes repo');
      expect(outcome).toMatchObject({ source: 'fallback', llmCalls: 2, decision: { tool_name: 'git' } });
      expect(outcome.problem).toMatch(problem);
      h.fake.answerChat(answer, answer);
      const nothing = await route('blorp');
      expect(nothing).toMatchObject({ source: 'fallback', decision: null });
    });
  }

  it('does not cache what the rules decided', async () => {
    h.fake.answerChat('nope', 'nope', decisionJson('git', { action: 'sync', repo: 'notes' }));
    await route('please sync the notes repo');
    expect((await route('please sync the notes repo')).source).toBe('model');
  });
});

describe('Ollama down or slow', () => {
  it('routes by the rules, alerts the admins once, skips the model while it is down, and says once when it is back', async () => {
    h.fake.down = true;
    const first = await route('please pull the latest changes of my notes repo');
    expect(first).toMatchObject({ source: 'fallback', llmCalls: 1, decision: { tool_name: 'git' } });
    const second = await route('hello, how are you');
    expect(second).toMatchObject({ source: 'fallback', llmCalls: 0, decision: null });
    expect(h.fake.requests).toHaveLength(0);
    await clock.advance(16_000);
    expect((await route('hello, how are you')).llmCalls).toBe(1);
    expect(h.alerts()).toHaveLength(1);
    expect(h.alerts()[0]).toContain('Routing fell back to the keyword rules');

    h.fake.down = false;
    h.fake.onChat(() => decisionJson('chat'));
    await clock.advance(60_000);
    expect((await route('hello, how are you')).source).toBe('model');
    expect((await route('and another thing')).source).toBe('model');
    expect(h.alerts()).toHaveLength(2);
    expect(h.alerts()[1]).toContain('answers again');
  });

  it('gives up on a model slower than the route timeout and uses the rules', async () => {
    await h.close();
    h = await createRouterHarness({ clock, router: { timeoutSeconds: 0.2 } });
    h.fake.answerChat({ content: decisionJson('chat'), delayMs: 3000 });
    const outcome = await route('search my notes for the budget plan');
    expect(outcome.source).toBe('rules');
    const slow = await route('could you look through the notes I saved last week');
    expect(slow).toMatchObject({ source: 'fallback', decision: { tool_name: 'memory' } });
    expect(slow.problem).toContain('did not answer within');
    expect(h.alerts()).toHaveLength(1);
  });
});

describe('warm-up', () => {
  it('evaluates the shared prefix once with a one-token answer, and marks the model down when it is not there', async () => {
    h.fake.onChat(() => decisionJson('chat'));
    expect(await h.setup.router.warmUp()).toBe(true);
    await route('hello there friend');
    const [warm, real] = h.fake.chats();
    expect(warm?.options).toMatchObject({ num_predict: 1, temperature: 0 });
    expect(warm?.messages[0]).toEqual(real?.messages[0]);
    expect(h.runtime.ledger.between(0, Number.MAX_SAFE_INTEGER).map((row) => row.purpose)).toEqual(['warm-up', 'route']);

    h.fake.down = true;
    await clock.advance(1);
    expect(await h.setup.router.warmUp()).toBe(false);
    expect((await route('hello again friend')).llmCalls).toBe(0);
    expect(h.alerts()).toHaveLength(1);
  });
});

describe('one inference at a time', () => {
  it('serves waiting routing requests in the order they came', async () => {
    const release = h.fake.holdNextChat();
    h.fake.onChat((request) => decisionJson('chat', {}, false, String(routedRequest(request))));
    const outcomes = ['first one', 'second one', 'third one'].map((text) => route(text));
    await waitFor(() => h.fake.chats().length === 1 && h.runtime.limits.llm.waiting === 2, 10_000, 'one call in flight, two waiting');
    expect(h.fake.chats()).toHaveLength(1);
    release();
    const reasons = (await Promise.all(outcomes)).map((o) => o.decision?.reason);
    expect(reasons).toEqual(['first one', 'second one', 'third one']);
    expect(h.fake.chats().map(routedRequest)).toEqual(['first one', 'second one', 'third one']);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicBrain } from '../../brains/anthropic.js';
import type { BrainJob, BrainOutputs } from '../../core/contracts/brain.js';
import { ModelRegistry } from '../../core/costs/model-registry.js';
import { ModelRouter } from '../../core/costs/model-router.js';
import { FakeAnthropic } from '../fakes/anthropic.js';
import { FakeClock } from '../fakes/clock.js';
import { tempDir } from '../helpers.js';
import { brainDeps, runCommand } from './brain-deps.js';

const dir = tempDir('pie-brain-anthropic-');
const api = new FakeAnthropic();

beforeAll(async () => {
  await api.start();
});
afterEach(() => {
  api.requests.length = 0;
});
afterAll(async () => {
  await api.stop();
  dir.remove();
});

function createBrain(apiKey: string | null = 'sk-test', models?: ModelRouter) {
  return new AnthropicBrain({
    ...brainDeps(dir.path, {
      config: { anthropic: { baseUrl: api.url, model: 'claude-sonnet-4-5', maxTokens: 1000 } },
      ...(apiKey ? { anthropicApiKey: apiKey } : {}),
    }),
    ...(models ? { models } : {}),
  });
}

const registry = ModelRegistry.create({ now: Date.parse('2026-11-23T12:00:00Z') });

/** The model router main.ts gives the brains, over the given pool. */
function createModels(pool: string[]) {
  const clock = new FakeClock('2026-11-23T12:00:00Z');
  return { clock, models: new ModelRouter({ clock, provider: 'anthropic', pool, registry: () => registry }) };
}

/** Run the brain's command (the compiled runner) to its end, as the harness would, and read its output. */
function runBrain(brain: AnthropicBrain, prompt: string, userPrefs?: string, job: Partial<BrainJob> = {}): Promise<BrainOutputs> {
  const command = brain.buildCommand({
    taskId: 1,
    prompt,
    cwd: dir.path,
    runDir: dir.path,
    maxBudgetUsd: 2,
    ...(userPrefs ? { userPrefs } : {}),
    ...job,
  });
  return runCommand(command, process.env).done;
}

describe('anthropic brain (detached runner over the Messages API)', () => {
  it('streams one call and books usage with cache reads and writes at their prices', async () => {
    api.answer({ text: 'Here is the summary.' });
    const brain = createBrain();
    const outputs = await runBrain(brain, 'summarise 40 papers', 'Be brief.');
    const result = brain.parseResult(outputs);
    expect(result).toMatchObject({
      text: 'Here is the summary.',
      isError: false,
      costKnown: true,
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 3, outputTokens: 797, cacheReadTokens: 2000, cacheWriteTokens: 14_146, cacheWrite1hTokens: 0 },
    });
    expect(result.costUsd).toBeCloseTo(0.0656115, 7);
    const [request] = api.requests;
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 1000,
      stream: true,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'summarise 40 papers' }],
    });
  });

  it('honors retry-after on a 429 and then answers', async () => {
    api.answer({ status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '1' } }, { text: 'ok now' });
    const brain = createBrain();
    const result = brain.parseResult(await runBrain(brain, 'hi'));
    expect(result).toMatchObject({ text: 'ok now', isError: false });
    expect(api.requests).toHaveLength(2);
    // The second try waited at least what the server asked for.
    expect((api.requests[1]?.at ?? 0) - (api.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('reports an overloaded API (529, after the retries) as unavailable, so the next brain runs', async () => {
    const overloaded = { status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after-ms': '10' } };
    api.answer(overloaded, overloaded, overloaded, overloaded);
    const brain = createBrain();
    const outputs = await runBrain(brain, 'hi');
    expect(outputs.exitCode).toBe(1);
    expect(brain.parseResult(outputs)).toMatchObject({
      isError: true,
      unavailable: true,
      costUsd: 0,
      text: 'Anthropic API 529: Overloaded',
    });
    expect(api.requests).toHaveLength(4);
  });

  it('reports a 400 as an error of this request, without retrying it', async () => {
    api.answer({ status: 400, type: 'invalid_request_error', message: 'max_tokens: too large' });
    const brain = createBrain();
    expect(brain.parseResult(await runBrain(brain, 'hi'))).toMatchObject({
      isError: true,
      unavailable: false,
      text: 'Anthropic API 400: max_tokens: too large',
    });
    expect(api.requests).toHaveLength(1);
  });

  it('passes the prompt intact on standard input, never on the command line, and the key only through the environment', () => {
    const command = createBrain().buildCommand({
      taskId: 1,
      prompt: '--model=x; $(rm -rf /)',
      cwd: dir.path,
      runDir: dir.path,
      maxBudgetUsd: 1,
    });
    // Not in argv, which anyone on the Pi can read (ps, /proc/<pid>/cmdline).
    expect(command.stdin).toBe('--model=x; $(rm -rf /)');
    expect(command.args.join(' ')).not.toContain('rm -rf');
    expect(command.args.join(' ')).not.toContain('sk-test');
    expect(command.env).toEqual({ ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: api.url });
  });

  it('is unavailable without an API key', async () => {
    expect(await createBrain(null).detect()).toEqual({
      available: false,
      installed: true,
      loggedIn: false,
      detail: 'no ANTHROPIC_API_KEY',
    });
  });
});

describe('anthropic brain choosing its model', () => {
  const POOL = ['claude-haiku-4-5', 'claude-sonnet-5', 'claude-opus-4-5'];
  const heavy: Partial<BrainJob> = { route: { tool: 'git', reason: 'rule coding-handoff' } };

  it('puts the router’s chain and its justification on the command line, best first for heavy work', () => {
    const { models } = createModels(POOL);
    const command = createBrain('sk-test', models).buildCommand({
      taskId: 1,
      prompt: 'refactor the parser',
      cwd: dir.path,
      runDir: dir.path,
      maxBudgetUsd: 2,
      route: { tool: 'git', reason: 'rule coding-handoff' },
    });
    expect(command.args.filter((arg) => arg.startsWith('--model='))).toEqual([
      '--model=claude-sonnet-5',
      '--model=claude-opus-4-5',
      '--model=claude-haiku-4-5',
    ]);
    expect(command.args.find((arg) => arg.startsWith('--why='))).toMatch(
      /^--why=claude-sonnet-5 for a heavy request \(handed off, tool git, reason: coding\): the best \(then cheapest\) of 3 ready/,
    );
    expect(command.stdin).toBe('refactor the parser');
  });

  it('fails over inside the run (a 429 after its retry, then a model gone) and says so; the router learns from it', async () => {
    const { models, clock } = createModels(POOL);
    const limited = { status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after-ms': '20' } };
    api.answerFor('claude-sonnet-5', limited, limited);
    api.retire('claude-opus-4-5');
    api.answerFor('claude-haiku-4-5', { text: 'The parser, refactored.' });
    const brain = createBrain('sk-test', models);
    const result = brain.parseResult(await runBrain(brain, 'refactor the parser', undefined, heavy));
    // One retry of the limited model (honouring its retry-after), one try of the gone one, then the next.
    expect(api.models()).toEqual(['claude-sonnet-5', 'claude-sonnet-5', 'claude-opus-4-5', 'claude-haiku-4-5']);
    expect(result).toMatchObject({ isError: false, model: 'claude-haiku-4-5', costKnown: true });
    expect(result.text).toBe(
      '_claude-sonnet-5 was rate-limited (429, retry after 20 ms) and claude-opus-4-5 no longer served (404 not found), so claude-haiku-4-5 answered._\n\nThe parser, refactored.',
    );
    expect(result.choice?.why).toMatch(
      /^claude-haiku-4-5 after claude-sonnet-5 was rate-limited \(429, retry after 20 ms\) and claude-opus-4-5 no longer served \(404 not found\); planned: claude-sonnet-5 for a heavy request/,
    );
    expect(result.choice?.detail).toMatchObject({
      model: 'claude-haiku-4-5',
      attempts: [
        { model: 'claude-sonnet-5', ok: false, code: 'RATE_LIMITED', status: 429, retryAfterMs: 20 },
        { model: 'claude-opus-4-5', ok: false, code: 'MODEL_MISSING', status: 404 },
        { model: 'claude-haiku-4-5', ok: true },
      ],
    });
    // The next plan knows: the limited model waits out its cooldown, the gone one a day.
    const next = models.plan({
      text: 'refactor the parser',
      tool: 'git',
      reason: 'rule coding-handoff',
      handoff: true,
      maxOutputTokens: 1000,
    });
    expect(next.chain.map((m) => [m.model, m.coolingUntil !== undefined])).toEqual([
      ['claude-haiku-4-5', false],
      ['claude-sonnet-5', true],
      ['claude-opus-4-5', true],
    ]);
    expect(next.chain[2]?.coolingUntil).toBe(clock.now() + 24 * 3600_000);
  });

  it('every model overloaded: unavailable (the next brain runs), with each model’s reason', async () => {
    const { models } = createModels(['claude-haiku-4-5', 'claude-sonnet-5']);
    const overloaded = { status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after-ms': '5' } };
    api.answer(overloaded, overloaded, overloaded, overloaded);
    const brain = createBrain('sk-test', models);
    const outputs = await runBrain(brain, 'hi');
    expect(brain.parseResult(outputs)).toMatchObject({
      isError: true,
      unavailable: true,
      text: 'claude-sonnet-5: Anthropic API 529: Overloaded; claude-haiku-4-5: Anthropic API 529: Overloaded',
    });
    // A handoff is standard work at least: the good model first, the cheap one as the last resort.
    expect(api.models()).toEqual(['claude-sonnet-5', 'claude-sonnet-5', 'claude-haiku-4-5', 'claude-haiku-4-5']);
  });

  it('a refused key stops at the first model: the others share the key', async () => {
    const { models } = createModels(POOL);
    api.answer({ status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    const brain = createBrain('sk-wrong', models);
    expect(brain.parseResult(await runBrain(brain, 'hi'))).toMatchObject({
      isError: true,
      unavailable: true,
      text: 'Anthropic API 401: invalid x-api-key',
    });
    expect(api.requests).toHaveLength(1);
  });
});

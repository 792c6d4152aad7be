import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicBrain } from '../../brains/anthropic.js';
import type { BrainOutputs } from '../../core/contracts/brain.js';
import { FakeAnthropic } from '../fakes/anthropic.js';
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

function createBrain(apiKey: string | null = 'sk-test') {
  return new AnthropicBrain(
    brainDeps(dir.path, {
      config: { anthropic: { baseUrl: api.url, model: 'claude-sonnet-4-5', maxTokens: 1000 } },
      ...(apiKey ? { anthropicApiKey: apiKey } : {}),
    }),
  );
}

/** Run the brain's command (the compiled runner) to its end, as the harness would, and read its output. */
function runBrain(brain: AnthropicBrain, prompt: string, userPrefs?: string): Promise<BrainOutputs> {
  const command = brain.buildCommand({
    taskId: 1,
    prompt,
    cwd: dir.path,
    runDir: dir.path,
    maxBudgetUsd: 2,
    ...(userPrefs ? { userPrefs } : {}),
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

  it('passes the prompt intact after --, and the key only through the environment', () => {
    const command = createBrain().buildCommand({
      taskId: 1,
      prompt: '--model=x; $(rm -rf /)',
      cwd: dir.path,
      runDir: dir.path,
      maxBudgetUsd: 1,
    });
    expect(command.args.slice(-2)).toEqual(['--', '--model=x; $(rm -rf /)']);
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

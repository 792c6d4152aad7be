import { afterAll, describe, expect, it } from 'vitest';
import { AiderBrain, parseTokensLine } from '../../brains/aider.js';
import { tempDir } from '../helpers.js';
import { brainDeps, runFake } from './brain-deps.js';

const dir = tempDir('pie-brain-aider-');
afterAll(() => dir.remove());

const job = { taskId: 3, prompt: 'rename foo to bar', cwd: '/repos/app', runDir: '/runs/3/2-aider', maxBudgetUsd: 2 };

describe('aider', () => {
  it('builds `aider --message ... --yes-always --no-auto-commits ...` for the repository', () => {
    const brain = new AiderBrain(brainDeps(dir.path, { config: { brains: { model: 'sonnet' } }, anthropicApiKey: 'sk-a' }));
    expect(brain.buildCommand({ ...job, userPrefsFile: '/brain/profile/user_prefs.md' })).toEqual({
      file: 'aider',
      args: [
        '--message',
        'rename foo to bar',
        '--yes-always',
        '--no-auto-commits',
        '--no-check-update',
        '--analytics-disable',
        '--no-pretty',
        '--model',
        'sonnet',
        '--read',
        '/brain/profile/user_prefs.md',
      ],
      cwd: '/repos/app',
      env: { ANTHROPIC_API_KEY: 'sk-a' },
    });
    expect(brain.buildCommand({ ...job, prompt: '-v is broken' }).args[0]).toBe('--message=-v is broken');
  });

  it('reads tokens and cost from the "Tokens: ... Cost: $X message, $Y session." lines', () => {
    expect(
      parseTokensLine('Tokens: 4.2k sent, 2.1k cache write, 3.5k cache hit, 230 received. Cost: $0.01 message, $0.03 session.'),
    ).toEqual({
      usage: { inputTokens: 4200, outputTokens: 230, cacheReadTokens: 3500, cacheWriteTokens: 2100 },
      sessionUsd: 0.03,
    });
    expect(parseTokensLine('Tokens: 12 sent, 3 received.')).toEqual({
      usage: { inputTokens: 12, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    expect(parseTokensLine('Main model: sonnet')).toBeUndefined();
  });

  it('answers with the model’s text and the session cost of the last Cost line', () => {
    const brain = new AiderBrain(brainDeps(dir.path));
    const result = brain.parseResult(runFake('aider', ['--message', 'tidy the notes']));
    expect(result).toEqual({
      text: 'Here is what I did for: tidy the notes',
      costUsd: 0.0129,
      costKnown: true,
      usage: { inputTokens: 3300, outputTokens: 420, cacheReadTokens: 1500, cacheWriteTokens: 0 },
      isError: false,
      unavailable: false,
      turns: 2,
    });
  });

  it('is unavailable when it fails before reaching a model, and failed when it crashes after', () => {
    const brain = new AiderBrain(brainDeps(dir.path));
    expect(brain.parseResult(runFake('aider', ['--message', 'x'], { FAKE_AIDER_NO_KEY: '1' }))).toMatchObject({
      text: 'litellm.AuthenticationError: AnthropicException - invalid x-api-key',
      isError: true,
      unavailable: true,
    });
    const crashed = brain.parseResult(runFake('aider', ['--message', '[crash] x']));
    expect(crashed).toMatchObject({ isError: true, unavailable: false, costUsd: 0.0098, costKnown: true });
  });

  it('counts a run that reached the model as done when its exit code was lost in a restart', () => {
    const brain = new AiderBrain(brainDeps(dir.path));
    const outputs = runFake('aider', ['--message', 'x']);
    expect(brain.parseResult({ ...outputs, exitCode: null })).toMatchObject({ isError: false, costUsd: 0.0129 });
  });

  it('gives progress per model exchange with the session cost so far', () => {
    const brain = new AiderBrain(brainDeps(dir.path));
    expect(brain.parseProgress('Tokens: 2.1k sent, 340 received. Cost: $0.0098 message, $0.0098 session.')).toEqual({
      turn: true,
      usage: { inputTokens: 2100, outputTokens: 340, cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd: 0.0098,
    });
  });
});

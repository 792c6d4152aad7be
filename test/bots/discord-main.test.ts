import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord.js';
import { tempDir, waitFor } from '../helpers.js';
import { TOKEN } from './discord-harness.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

it('pie-brain start connects to Discord when a token is set, says how to get in, and refuses strangers', async () => {
  const fake = new FakeDiscord();
  await fake.start();
  const dir = tempDir();
  cleanups.push(
    () => fake.stop(),
    () => dir.remove(),
  );
  const readyFile = join(dir.path, 'ready');
  const child = spawn(process.execPath, [main, 'start'], {
    env: {
      PATH: process.env.PATH,
      PIE_BRAIN_HOME: join(dir.path, 'home'),
      PIE_BRAIN_BRAIN_DIR: join(dir.path, 'brain'),
      PIE_BRAIN_READY_FILE: readyFile,
      DISCORD_BOT_TOKEN: TOKEN,
      DISCORD_API_URL: fake.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = exited(child);
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exit;
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  await waitFor(() => existsSync(readyFile), 20_000, 'pie-brain to be ready');
  expect(stderr).toContain('Nobody may use pie-brain on discord yet');
  expect(stderr).toContain('PIE_BRAIN_ADMINS=discord:<your id>');
  expect(stdout).toBe('');
  expect(fake.identifies).toMatchObject([{ token: TOKEN }]);
  fake.userMentionsBot('hello?', { author: fake.stranger });
  const [refusal] = await fake.waitForPosted(1, 10_000);
  expect(refusal?.content).toContain(fake.stranger.id);
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
  expect(stderr).not.toContain(TOKEN);
  const logs = join(dir.path, 'home', 'logs');
  const logged = readdirSync(logs)
    .map((file) => readFileSync(join(logs, file), 'utf8'))
    .join('');
  expect(logged).toContain('connected to Discord');
  expect(logged).not.toContain(TOKEN);
});

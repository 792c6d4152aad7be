import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fakes/ollama.js';
import { tempDir, waitFor } from '../helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'dist', 'main.js');
const dir = tempDir();
afterAll(() => dir.remove());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { input?: string; env?: Record<string, string>; command?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const home = join(dir.path, `home-${Math.random().toString(36).slice(2)}`);
    const child = execFile(
      options.command ?? process.execPath,
      options.command ? args : [main, ...args],
      {
        cwd: root,
        env: { ...process.env, PIE_BRAIN_HOME: home, PIE_BRAIN_BRAIN_DIR: join(home, 'brain'), ...options.env },
        timeout: 230_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

describe('the command line', () => {
  it('`printf "/help\\n/ping\\n" | npm start` prints the help and the pong and exits 0', async () => {
    const result = await run(['start', '--silent'], { command: 'npm', input: '/help\n/ping\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('/ping');
    expect(result.stdout).toContain('/task <id>');
    expect(result.stdout.trim().split('\n').at(-1)).toBe('pong');
  }, 240_000);

  it('answers every piped line in order, then exits 0', async () => {
    const result = await run(['start'], { input: '/ping\n\n/task 1\n/nope\n' });
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out.indexOf('pong')).toBeLessThan(out.indexOf('*Task 1*: done'));
    expect(out).toContain("I don't know the command /nope");
  });

  it('a bad config file exits 2 with one line per problem and no stack trace', async () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'queue:\n  maxAttempts: "3"\ndelivery:\n  concurrency: -1\n');
    const result = await run(['start', '--config', file]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('pie-brain: the configuration cannot be used:');
    expect(lines.slice(1)).toEqual([
      `  ${file}: queue.maxAttempts: expected number, found string "3"`,
      expect.stringMatching(/delivery\.concurrency: .*found number -1$/),
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a broken rule pack in the data dir exits 2 with one line per problem, like a bad config', async () => {
    const home = join(dir.path, 'pack-home');
    mkdirSync(join(home, 'rule-packs'), { recursive: true });
    const pack = join(home, 'rule-packs', 'house.yaml');
    writeFileSync(pack, 'id: house\nrules:\n  - {id: wide, severity: error, pattern: ".*", message: everything}\n');
    const result = await run(['start'], { input: '/ping\n', env: { PIE_BRAIN_HOME: home } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'pie-brain: the configuration cannot be used:',
      `  ${pack}: rules.0.pattern: it matches empty text, so it would hit every message`,
    ]);
    expect(result.stdout).toBe('');
  });

  it('a missing --config file exits 2', async () => {
    const result = await run(['start', '--config', join(dir.path, 'nope.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('config file not found');
  });

  it('an unknown key is a warning in the log, not a failure', async () => {
    const home = join(dir.path, 'warn-home');
    const file = join(dir.path, 'typo.yaml');
    writeFileSync(file, 'queue:\n  maxAtempts: 5\n');
    const result = await run(['start', '--config', file], { input: '/ping\n', env: { PIE_BRAIN_HOME: home } });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('pong');
    const logs = readdirSync(join(home, 'logs')).map((f) => readFileSync(join(home, 'logs', f), 'utf8'));
    expect(logs.join('')).toContain('unknown key queue.maxAtempts');
  });

  it('SIGTERM stops it cleanly with exit 0', async () => {
    const home = join(dir.path, 'sig-home');
    const ready = join(dir.path, 'ready');
    const child = spawn(process.execPath, [main, 'start'], {
      env: { ...process.env, PIE_BRAIN_HOME: home, PIE_BRAIN_READY_FILE: ready },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => existsSync(ready), 15_000, 'ready file');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child.stdin.end();
  });

  it('never writes a secret to the log, even at trace level', async () => {
    const home = join(dir.path, 'secret-home');
    const file = join(dir.path, 'trace.yaml');
    writeFileSync(file, 'log:\n  level: trace\n');
    const secrets = {
      TELEGRAM_BOT_TOKEN: '123456:telegram-secret-token-value',
      SLACK_BOT_TOKEN: 'xoxb-slack-secret-value',
      ANTHROPIC_API_KEY: 'sk-ant-secret-value-123',
      DISCORD_BOT_TOKEN: 'discord.secret.token.value',
    };
    const result = await run(['start', '--config', file], { input: '/ping\n/help\n', env: { PIE_BRAIN_HOME: home, ...secrets } });
    const logs = readdirSync(join(home, 'logs'))
      .map((f) => readFileSync(join(home, 'logs', f), 'utf8'))
      .join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const value of Object.values(secrets)) {
      expect(logs).not.toContain(value);
      expect(result.stdout + result.stderr).not.toContain(value);
    }
  });

  it('init creates the data dir, the profile with an example and the inbox, and never overwrites', async () => {
    const home = join(dir.path, 'init-home');
    const brain = join(dir.path, 'init-brain');
    const first = await run(['init'], { env: { PIE_BRAIN_HOME: home, PIE_BRAIN_BRAIN_DIR: brain } });
    expect(first.code).toBe(0);
    expect(readFileSync(join(brain, 'profile', 'user_prefs.md'), 'utf8')).toMatch(/^# About me/);
    expect(existsSync(join(brain, 'inbox'))).toBe(true);
    writeFileSync(join(brain, 'profile', 'user_prefs.md'), 'mine');
    const second = await run(['init'], { env: { PIE_BRAIN_HOME: home, PIE_BRAIN_BRAIN_DIR: brain } });
    expect(second.stdout).toContain('already in place');
    expect(readFileSync(join(brain, 'profile', 'user_prefs.md'), 'utf8')).toBe('mine');
  });

  it('doctor says what works and what to fix', async () => {
    const ollama = await new FakeOllama({ version: '0.12.0' }).start();
    const host = ollama.host;
    const good = await run(['doctor'], { env: { OLLAMA_HOST: host } });
    await ollama.close();
    expect(ollama.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/version');
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/(ok {3}|warn) node: Node \d+/);
    expect(good.stdout).toMatch(/ok {3}ollama: HTTP 200/);
    const bad = await run(['doctor'], { env: { OLLAMA_HOST: host } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL ollama: not reachable/);
    expect(bad.stdout).toMatch(/fix: start Ollama/);
  });

  it('version and help', async () => {
    expect((await run(['version'])).stdout).toMatch(/^pie-brain \d+\.\d+\.\d+ \(Node/);
    expect((await run(['--help'])).stdout).toContain('Usage: pie-brain');
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir();
afterAll(() => dir.remove());

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir.path,
    PIE_BRAIN_HOME: join(dir.path, 'home'),
    PIE_BRAIN_BRAIN_DIR: join(dir.path, 'brain'),
    OLLAMA_HOST: 'http://127.0.0.1:9',
    ...extra,
  };
}

function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('pie-brain start as systemd runs it', () => {
  it('with no platform token and standard input at /dev/null, exits 2 with one clear line instead of 0 in silence', async () => {
    const child = spawn(process.execPath, [join(root, 'dist', 'main.js'), 'start'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await exitOf(child)).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('no chat platform is configured');
    expect(stderr).toContain('TELEGRAM_BOT_TOKEN');
  });

  it('logs to the journal when stderr is the stream JOURNAL_STREAM names: priority prefixes, no log files', async () => {
    const errFile = join(dir.path, 'journal.txt');
    const fd = openSync(errFile, 'w');
    const { dev, ino } = fstatSync(fd);
    const home = join(dir.path, 'journal-home');
    const child = spawn(process.execPath, [join(root, 'dist', 'main.js'), 'start'], {
      env: env({ PIE_BRAIN_HOME: home, JOURNAL_STREAM: `${dev}:${ino}` }),
      stdio: ['pipe', 'pipe', fd],
    });
    closeSync(fd);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stdin?.end('/ping\n');
    expect(await exitOf(child)).toBe(0);
    expect(stdout.trim()).toBe('pong');
    const journal = readFileSync(errFile, 'utf8');
    expect(journal).toMatch(/^<6>pie-brain is ready \{"home":/m);
    expect(
      journal
        .split('\n')
        .filter(Boolean)
        .every((line) => /^<[2-7]>/.test(line)),
    ).toBe(true);
    expect(existsSync(join(home, 'logs'))).toBe(false);
  });

  it('a JOURNAL_STREAM inherited by a process whose stderr goes elsewhere is ignored: logs go to files', async () => {
    const home = join(dir.path, 'files-home');
    const child = spawn(process.execPath, [join(root, 'dist', 'main.js'), 'start'], {
      env: env({ PIE_BRAIN_HOME: home, JOURNAL_STREAM: '1:1' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin?.end('/ping\n');
    expect(await exitOf(child)).toBe(0);
    expect(stderr).not.toContain('<6>');
    expect(readFileSync(join(home, 'logs', 'pie-brain.log'), 'utf8')).toContain('"msg":"pie-brain is ready"');
  });
});

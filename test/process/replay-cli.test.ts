import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fakes/ollama.js';
import { tempDir } from '../helpers.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const dir = tempDir();
const home = join(dir.path, 'home');
const fake = new FakeOllama();
const TOKEN = '123456:replay-secret-telegram-token';
let joke = 'Why did the raspberry blush? It saw the pi.';

function pieBrain(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [main, ...args],
      {
        env: { ...process.env, PIE_BRAIN_HOME: home, PIE_BRAIN_BRAIN_DIR: join(dir.path, 'brain'), OLLAMA_HOST: fake.host, ...options.env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** Rows per table: a replay must leave every one of them as it was. */
function counts(): Record<string, number> {
  const db = new Database(join(home, 'pie-brain.db'), { readonly: true });
  try {
    const tables = ['tasks', 'task_events', 'outbox', 'ledger', 'code_runs'];
    return Object.fromEntries(tables.map((table) => [table, (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  await fake.start();
  fake.onChat((request) => (request.format ? JSON.stringify({ tool_name: 'chat', params: {}, handoff: false, reason: 'talk' }) : joke));
  // Task 1: chat through the model; task 2: a real code run; task 3: a built-in command.
  const started = await pieBrain(['start'], { input: 'tell me a joke\n/run python print(6*7)\n/ping\n' });
  expect(started.stdout).toContain('42');
}, 60_000);
afterAll(async () => {
  await fake.close();
  dir.remove();
});

describe('pie-brain replay (compiled)', () => {
  it('replays a chat task and a code run identically, asking no model, running nothing and writing nothing', async () => {
    const before = counts();
    const requests = fake.requests.length;
    const chat = await pieBrain(['replay', '1']);
    expect(chat.code).toBe(0);
    expect(chat.stdout).toMatch(/^Task 1: identical \(replayed from its recording/);
    expect(chat.stdout).toMatch(/route\s+same\s+model -> chat/);
    const code = await pieBrain(['replay', '2']);
    expect(code.code).toBe(0);
    expect(code.stdout).toMatch(/route\s+same\s+slash -> run_code/);
    expect(fake.requests.length).toBe(requests);
    expect(counts()).toEqual(before);
  });

  it("--live asks the configured Ollama and shows how today's answer differs", async () => {
    joke = 'A different joke.';
    const live = await pieBrain(['replay', '1', '--live', '--json']);
    joke = 'Why did the raspberry blush? It saw the pi.';
    expect(live.code).toBe(1);
    const report = JSON.parse(live.stdout) as {
      verdict: string;
      mode: string;
      checks: Array<{ name: string; same: boolean; replayed: string }>;
    };
    expect(report).toMatchObject({ verdict: 'different', mode: 'live' });
    expect(report.checks.map((check) => [check.name, check.same])).toEqual([
      ['route', true],
      ['params', true],
      ['reply', false],
    ]);
    expect(report.checks[2]?.replayed).toBe('A different joke.');
  });

  it('--save writes a recording that --file replays, with no configured secret in it or in the report', async () => {
    joke = `Here is a token: ${TOKEN}`;
    await pieBrain(['start'], { input: 'another joke please\n' });
    joke = 'Why did the raspberry blush? It saw the pi.';
    const file = join(dir.path, 'task-4.json');
    const saved = await pieBrain(['replay', '4', '--save', file], { env: { TELEGRAM_BOT_TOKEN: TOKEN } });
    expect(saved.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(JSON.parse(text)).toMatchObject({ format: 'pie-brain-recording', version: 1, task: { id: 4 } });
    const shown = await pieBrain(['replay', '4', '--live'], { env: { TELEGRAM_BOT_TOKEN: TOKEN } });
    expect(shown.stdout).toContain('[REDACTED]');
    expect(shown.stdout + shown.stderr).not.toContain(TOKEN);
    const replayed = await pieBrain(['replay', '--file', join(dir.path, 'task-1.json')]);
    expect(replayed.code).toBe(2);
    await pieBrain(['replay', '1', '--save', join(dir.path, 'task-1.json')]);
    const fromFile = await pieBrain(['replay', '--file', join(dir.path, 'task-1.json')]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^Task 1: identical/);
  });

  it('says clearly what it cannot replay: a built-in command, an unknown task, a file that is not a recording, bad arguments', async () => {
    const ping = await pieBrain(['replay', '3']);
    expect(ping).toMatchObject({ code: 2, stdout: '' });
    expect(ping.stderr).toBe(
      'pie-brain replay: Task 3 (/ping) never reached the router: built-in commands, and requests refused or stopped before routing, leave nothing to replay.\n',
    );
    expect((await pieBrain(['replay', '99'])).stderr).toBe('pie-brain replay: there is no task 99\n');
    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'pie-brain-recording', version: 1, task: { id: 'x' } }));
    const invalid = await pieBrain(['replay', '--file', bad]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/bad\.json is not a pie-brain recording: task\.id: /);
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
    const usage = await pieBrain(['replay', '--frob']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unexpected "--frob"');
    expect(usage.stderr).toContain('Usage:');
  });
});

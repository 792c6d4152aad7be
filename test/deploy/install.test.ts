import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

// deploy/install.sh for real (npm ci, the build, init, doctor) in a copy of this checkout, with fake ollama,
// systemctl, loginctl and sudo on PATH recording what they were asked, and a temporary root for /etc.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir();
const app = join(dir.path, 'app');
const bin = join(dir.path, 'bin');
const home = join(dir.path, 'home');
const etc = join(dir.path, 'root');
const calls = join(dir.path, 'calls.log');

function script(name: string, body: string, folder = bin): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(folder, name), 0o755);
}

/** PATH with a folder holding one more stand-in ahead of the others. */
function pathWith(folder: string, name: string, body: string): string {
  script(name, body, join(dir.path, folder));
  return `${join(dir.path, folder)}:${bin}:${process.env.PATH ?? ''}`;
}

beforeAll(() => {
  // The working tree as a clone would have it (tracked and new files, nothing ignored).
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    copyFileSync(join(root, file), join(app, file));
  }
  chmodSync(join(app, 'deploy', 'install.sh'), 0o755);
  mkdirSync(home, { recursive: true });
  script('sudo', `echo "sudo $*" >> '${calls}'\nexec "$@"`);
  script('systemctl', `echo "systemctl $*" >> '${calls}'`);
  script('loginctl', `echo "loginctl $*" >> '${calls}'`);
  script('ollama', `echo "ollama $*" >> '${calls}'\necho "pulling manifest"\necho success`);
  // This machine runs Node 20; the Pi runs 22 or newer. The stand-in reports 22 and runs the real Node.
  script(
    'node',
    `if [ "$1" = "-p" ] && [ "$2" = "process.versions.node" ]; then echo 22.12.0; exit 0; fi\nexec '${process.execPath}' "$@"`,
  );
});
afterAll(() => dir.remove());

function install(env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(app, 'deploy', 'install.sh'), [], {
      cwd: home,
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: home,
        PIE_BRAIN_INSTALL_ROOT: etc,
        OLLAMA_HOST: 'http://127.0.0.1:9',
        TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
        // This machine's npm settings (where Node's headers are for node-gyp) and download cache.
        npm_config_userconfig: join(homedir(), '.npmrc'),
        npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const callLog = () => (existsSync(calls) ? readFileSync(calls, 'utf8') : '');

describe('deploy/install.sh', () => {
  it('refuses Node older than 22 and says where to get a newer one, before touching anything', async () => {
    const result = await install({ PATH: pathWith('old-node', 'node', 'echo 20.20.2') });
    expect(result.code).toBe(1);
    expect(result.out).toContain('Node 20.20.2 is too old');
    expect(result.out).toContain('NodeSource');
    expect(result.out).toContain('nodejs.org');
    expect(callLog()).toBe('');
  });

  it('refuses a 32-bit OS', async () => {
    const result = await install({ PATH: pathWith('armv7', 'uname', 'echo armv7l') });
    expect(result.code).toBe(1);
    expect(result.out).toContain('a 64-bit OS is needed (found armv7l)');
  });

  it('installs in one command, idempotently: models, npm ci, build, init, env file, unit for this user, doctor', async () => {
    const first = await install();
    expect(first.out).toContain('==> pie-brain doctor');
    expect(first.code).toBe(0);
    const log = callLog();
    expect(log).toContain('ollama pull qwen2.5:1.5b');
    expect(log).toContain('ollama pull all-minilm');
    expect(log).toContain('systemctl daemon-reload');
    expect(log).toContain('systemctl enable pie-brain.service');
    expect(log).toContain(`loginctl enable-linger ${execFileSync('id', ['-un'], { encoding: 'utf8' }).trim()}`);
    // No token yet: enabled, not started (it would exit 2 at once).
    expect(log).not.toContain('systemctl restart');
    expect(first.out).toContain('not started: no platform token');

    expect(existsSync(join(app, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(home, 'brain', 'profile', 'user_prefs.md'))).toBe(true);
    const envFile = join(etc, 'etc', 'pie-brain.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const unit = readFileSync(join(etc, 'etc', 'systemd', 'system', 'pie-brain.service'), 'utf8');
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    expect(unit).toContain(`WorkingDirectory=${app}`);
    expect(unit).toContain(
      `ExecStart=${join(bin, 'node')} --v8-pool-size=1 --max-semi-space-size=1 --no-turbofan --no-maglev --bytecode-old-age=1 --flush-baseline-code ${app}/dist/main.js start`,
    );
    expect(unit).toContain(`ReadWritePaths=${join(home, '.pie-brain')} ${join(home, 'brain')} -${join(home, '.claude')}`);
    expect(unit).toContain('RestartPreventExitStatus=2');
    expect(unit).toContain('ProtectSystem=strict');

    // Again, with a token now: nothing is installed twice, the env file is kept, the service restarts.
    // And on a Node whose V8 no longer knows one of the unit's flags: the unit starts without that flag.
    writeFileSync(envFile, 'TELEGRAM_BOT_TOKEN=123:abc\n', { mode: 0o600 });
    const pickyNode = `if [ "$1" = "--no-maglev" ]; then echo "node: bad option: $1" >&2; exit 9; fi\nexec '${join(bin, 'node')}' "$@"`;
    const second = await install({ PATH: pathWith('picky-node', 'node', pickyNode) });
    expect(second.code).toBe(0);
    expect(second.out).toContain('does not accept --no-maglev; the service starts without it');
    const again = readFileSync(join(etc, 'etc', 'systemd', 'system', 'pie-brain.service'), 'utf8');
    expect(again).toContain(
      `ExecStart=${join(dir.path, 'picky-node', 'node')} --v8-pool-size=1 --max-semi-space-size=1 --no-turbofan --bytecode-old-age=1 --flush-baseline-code ${app}/dist/main.js start`,
    );
    expect(second.out).toContain('up to date');
    expect(second.out).toContain('kept as it is');
    expect(readFileSync(envFile, 'utf8')).toBe('TELEGRAM_BOT_TOKEN=123:abc\n');
    expect(callLog()).toContain('systemctl restart pie-brain.service');
    expect(second.out).not.toContain('123:abc');
  }, 600_000);
});

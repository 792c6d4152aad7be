import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runFiles, scopedCommand, spawnDetached } from '../../../core/handoff/process-group.js';
import { tempDir, waitFor } from '../../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
afterEach(() => vi.unstubAllEnvs());

// A stand-in for systemd-run: records how it was called, then execs the command after `--`, as --scope does.
function fakeSystemdRun(): { bin: string; calls: string } {
  const bin = join(dir.path, 'bin');
  const calls = join(dir.path, 'systemd-run.calls');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'systemd-run'),
    `#!/bin/sh\nprintf '%s\\n' "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" "$@" > '${calls}'\nwhile [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"\n`,
  );
  chmodSync(join(bin, 'systemd-run'), 0o755);
  return { bin, calls };
}

describe('cloud runs in their own systemd scope', () => {
  it('runs the command directly unless the unit asks for a scope', () => {
    expect(scopedCommand({ file: 'claude', args: ['-p'] }, '/runs/7', {})).toEqual({ file: 'claude', args: ['-p'], env: {} });
  });

  it('under the unit, starts the run through systemd-run --user --scope, keeping its pid and its output files', async () => {
    const { bin, calls } = fakeSystemdRun();
    vi.stubEnv('PIE_BRAIN_RUN_SCOPE', 'systemd-user');
    vi.stubEnv('XDG_RUNTIME_DIR', '/run/user/1000');
    const runDir = join(dir.path, 'runs', '42');
    vi.stubEnv('PATH', `${bin}:${process.env.PATH ?? ''}`);
    const run = await spawnDetached(
      { file: 'sh', args: ['-c', 'echo "parent $PPID"'], cwd: dir.path, env: {} },
      runDir,
      { PATH: process.env.PATH ?? '' },
      { maxOutputBytes: 1 << 20 },
    );
    await waitFor(() => existsSync(runFiles(runDir).stdout) && readFileSync(runFiles(runDir).stdout, 'utf8').includes('parent'));
    // exec in place: the pid pie-brain records (and signals as a group) is the run's capture process itself,
    // whose child the command is.
    expect(readFileSync(runFiles(runDir).stdout, 'utf8').trim()).toBe(`parent ${run.pid}`);
    const argv = readFileSync(calls, 'utf8').trim().split('\n');
    expect(argv[0]).toBe('XDG_RUNTIME_DIR=/run/user/1000');
    expect(argv.slice(1, 5)).toEqual(['--user', '--scope', '--quiet', '--collect']);
    expect(argv.at(-5)).toBe('--');
    expect(argv.at(-4)).toBe(process.execPath);
    expect(argv.at(-2)).toMatch(/run-capture\.js$/);
    expect(argv.at(-1)).toBe(runDir);
  });
});

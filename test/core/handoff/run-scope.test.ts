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
    const run = await spawnDetached({ file: 'sh', args: ['-c', 'echo "pid $$"'], cwd: dir.path, env: {} }, runDir, {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
    });
    await waitFor(() => existsSync(runFiles(runDir).stdout) && readFileSync(runFiles(runDir).stdout, 'utf8').includes('pid'));
    // exec in place: the pid pie-brain records (and signals as a group) is the run's own.
    expect(readFileSync(runFiles(runDir).stdout, 'utf8').trim()).toBe(`pid ${run.pid}`);
    const argv = readFileSync(calls, 'utf8').trim().split('\n');
    expect(argv[0]).toBe('XDG_RUNTIME_DIR=/run/user/1000');
    expect(argv.slice(1, 5)).toEqual(['--user', '--scope', '--quiet', '--collect']);
    expect(argv.slice(-4)).toEqual(['--', 'sh', '-c', 'echo "pid $$"']);
  });
});

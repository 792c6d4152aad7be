import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mallocEnvOfUnit, nodeFlagsOfUnit } from '../../bench/unit-flags.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const unit = readFileSync(`${root}deploy/pie-brain.service`, 'utf8');
const directives = (name: string) =>
  unit
    .split('\n')
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1));

describe('deploy/pie-brain.service', () => {
  it('starts node with the flags npm start and the benches use', () => {
    expect(nodeFlagsOfUnit()).toEqual([
      '--v8-pool-size=1',
      '--max-semi-space-size=1',
      '--no-turbofan',
      '--no-maglev',
      '--bytecode-old-age=1',
      '--flush-baseline-code',
    ]);
    const start = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start).toContain(`node ${nodeFlagsOfUnit().join(' ')} dist/main.js start`);
  });

  it("fixes glibc's mmap threshold, and npm start and the benches do the same", () => {
    expect(mallocEnvOfUnit()).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072' });
    const start = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start).toContain('MALLOC_MMAP_THRESHOLD_=131072 node ');
  });

  it('names only flags this Node accepts (Node exits on one it does not know)', () => {
    const run = spawnSync(process.execPath, [...nodeFlagsOfUnit(), '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok');
  });

  it('does not restart on a configuration problem, waits for the clock, and runs hardened', () => {
    expect(directives('RestartPreventExitStatus')).toEqual(['2']);
    expect(directives('After')[0]).toContain('time-sync.target');
    expect(directives('Wants')[0]).toContain('time-sync.target');
    for (const [name, value] of [
      ['NoNewPrivileges', 'yes'],
      ['PrivateTmp', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'read-only'],
      ['KillMode', 'control-group'],
      ['Environment', 'PIE_BRAIN_RUN_SCOPE=systemd-user'],
    ]) {
      expect(directives(name as string)).toContain(value);
    }
    expect(directives('User')).toEqual(['@USER@']);
    expect(directives('ReadWritePaths')).toEqual(['@READ_WRITE_PATHS@']);
  });
});

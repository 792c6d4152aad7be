import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// From dist/bench/ once built, from bench/ when run from source.
const UNIT = ['../../deploy/pie-brain.service', '../deploy/pie-brain.service']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(path));

/** The Node flags deploy/pie-brain.service starts pie-brain with: benches measure what the Pi runs. */
export function nodeFlagsOfUnit(unitFile = UNIT ?? 'deploy/pie-brain.service'): string[] {
  const execStart = readFileSync(unitFile, 'utf8')
    .split('\n')
    .find((line) => line.startsWith('ExecStart='));
  const words = execStart?.slice('ExecStart='.length).trim().split(/\s+/) ?? [];
  return words.slice(1).filter((word) => word.startsWith('--'));
}

/** The allocator settings deploy/pie-brain.service starts pie-brain with (its `Environment=MALLOC_…` lines). */
export function mallocEnvOfUnit(unitFile = UNIT ?? 'deploy/pie-brain.service'): Record<string, string> {
  const entries = readFileSync(unitFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Environment=MALLOC_'))
    .map((line) => line.slice('Environment='.length).split('=') as [string, string]);
  return Object.fromEntries(entries);
}

/**
 * `main.js start` as the unit starts it (its Node flags and allocator settings) on a fresh home in `dir`; it
 * writes the time it became ready to the returned `ready` file.
 */
export function startAsUnit(
  main: string,
  dir: string,
  options: { env?: Record<string, string>; stdin: 'pipe' | 'ignore' },
): { child: ChildProcess; ready: string } {
  const ready = join(dir, 'ready');
  const child = spawn(process.execPath, [...nodeFlagsOfUnit(), main, 'start'], {
    env: {
      ...process.env,
      ...mallocEnvOfUnit(),
      PIE_BRAIN_HOME: join(dir, 'home'),
      PIE_BRAIN_BRAIN_DIR: join(dir, 'brain'),
      PIE_BRAIN_READY_FILE: ready,
      ...options.env,
    },
    stdio: [options.stdin, 'ignore', 'inherit'],
  });
  return { child, ready };
}

/** CPU seconds so far and resident memory of a process: the whole set, its anonymous and its file-backed part. */
export function processStat(pid: number): { cpuS: number; rssMb: number; anonMb: number; fileMb: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const status = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n');
  const mb = (name: string) => Number(status.find((l) => l.startsWith(`${name}:`))?.replace(/\D+/g, '') ?? 0) / 1024;
  // utime and stime, in clock ticks of 1/100 s.
  return { cpuS: (Number(fields[11]) + Number(fields[12])) / 100, rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile') };
}

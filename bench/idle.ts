import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './report.js';
import { mallocEnvOfUnit, nodeFlagsOfUnit, startAsUnit } from './unit-flags.js';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const main = fileURLToPath(new URL('../main.js', import.meta.url));
const CLOCK_TICKS = 100;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main_(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-idle-'));
  const started = Date.now();
  const { child, ready } = startAsUnit(main, dir, { stdin: 'pipe' });
  const pid = child.pid as number;
  while (!existsSync(ready)) {
    if (Date.now() - started > 30_000) throw new Error('pie-brain did not become ready in 30 s');
    await sleep(5);
  }
  const readyAt = Number(readFileSync(ready, 'utf8'));
  report('idle', 'start_to_ready_ms', readyAt - started, 'ms', { adapter: 'console' });
  await sleep(1000);
  const cpuBefore = cpuSeconds(pid);
  await sleep(IDLE_SECONDS * 1000);
  const cpuUsed = cpuSeconds(pid) - cpuBefore;
  report('idle', 'rss_after_idle_mb', rssMb(pid), 'MB', {
    adapter: 'console',
    idle_s: IDLE_SECONDS,
    node_flags: nodeFlagsOfUnit().join(' '),
    malloc: JSON.stringify(mallocEnvOfUnit()),
  });
  report('idle', 'cpu_idle_percent', (cpuUsed / IDLE_SECONDS) * 100, '% of one core', {
    adapter: 'console',
    idle_s: IDLE_SECONDS,
    node_flags: nodeFlagsOfUnit().join(' '),
    malloc: JSON.stringify(mallocEnvOfUnit()),
  });
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}

await main_();

// bench/idle: start-to-ready time, RSS after idling, and CPU used while idle, of the built program
// (node dist/main.js start, console adapter, stdin open but silent).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './report.js';
import { mallocEnvOfUnit, nodeFlagsOfUnit, processStat, startAsUnit } from './unit-flags.js';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const main = fileURLToPath(new URL('../main.js', import.meta.url));
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
  const cpuBefore = processStat(pid).cpuS;
  await sleep(IDLE_SECONDS * 1000);
  const cpuUsed = processStat(pid).cpuS - cpuBefore;
  report('idle', 'rss_after_idle_mb', processStat(pid).rssMb, 'MB', {
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

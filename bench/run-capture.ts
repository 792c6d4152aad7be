// A chatty cloud run through its capture process: how fast its output is written down, how little of it stays
// on disk (brains.maxOutputMb), and what the capture process itself costs in memory.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { previousGeneration } from '../core/handoff/capped-log.js';
import { spawnDetached } from '../core/handoff/process-group.js';
import { report } from './report.js';

const WRITTEN_MB = 512;
const CAP_MB = 8;
const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-capture-'));
const runDir = join(dir, 'run');

// The brain stand-in: WRITTEN_MB of 1 KB lines as fast as the pipe takes them.
const chatty = `
const line = 'x'.repeat(1023) + '\\n';
const block = line.repeat(256);
let left = ${WRITTEN_MB} * 4;
const next = () => { while (left > 0) { left -= 1; if (!process.stdout.write(block)) return process.stdout.once('drain', next); } };
next();
`;

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

const started = performance.now();
const run = await spawnDetached(
  { file: process.execPath, args: ['-e', chatty], cwd: dir },
  runDir,
  { PATH: process.env.PATH ?? '' },
  {
    maxOutputBytes: CAP_MB * 1024 * 1024,
  },
);
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, rssMb(run.pid));
}, 20);
await new Promise<void>((resolve) => run.child.once('exit', () => resolve()));
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
const stdout = join(runDir, 'stdout.log');
const keptBytes = [stdout, previousGeneration(stdout)].filter(existsSync).reduce((sum, file) => sum + statSync(file).size, 0);
const settings = { writtenMb: WRITTEN_MB, capMb: CAP_MB };
report('run-capture', 'throughput', WRITTEN_MB / seconds, 'MB/s', settings);
report('run-capture', 'kept_on_disk', keptBytes / 1024 / 1024, 'MB', settings);
report('run-capture', 'capture_peak_rss', peakRss, 'MB', settings);
rmSync(dir, { recursive: true, force: true });

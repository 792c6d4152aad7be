// bench/idle-writes: SD-card wear of an idle pie-brain. The built program (console, stdin open but silent,
// Ollama up) runs under strace for BENCH_IDLE_MINUTES (30), heartbeats and all; every fsync and fdatasync
// after it is ready is counted. Target: at most one an hour. BENCH_HEARTBEAT_CRON shortens the wait.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeOllama } from '../test/fakes/ollama.js';
import { report } from './report.js';
import { nodeFlagsOfUnit } from './unit-flags.js';

const MINUTES = Number(process.env.BENCH_IDLE_MINUTES ?? 30);
const HEARTBEAT = process.env.BENCH_HEARTBEAT_CRON ?? '*/5 * * * *';
const main = fileURLToPath(new URL('../main.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `strace -f -ttt` lines of fsync/fdatasync calls made after `since` (epoch seconds). */
export function countSyncs(trace: string, since: number): number {
  return trace.split('\n').filter((line) => {
    const match = /^(?:\[pid\s+)?\d+\]?\s+(\d+\.\d+)\s+(fsync|fdatasync)\(/.exec(line);
    return match !== null && Number(match[1]) >= since;
  }).length;
}

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-idle-writes-'));
  const ollama = await new FakeOllama().start();
  const ready = join(dir, 'ready');
  const traceFile = join(dir, 'trace');
  writeFileSync(join(dir, 'config.yaml'), `jobs:\n  heartbeat:\n    cron: "${HEARTBEAT}"\n`);
  const child = spawn(
    'strace',
    ['-f', '-qq', '-ttt', '-e', 'trace=fsync,fdatasync', '-o', traceFile, process.execPath, ...nodeFlagsOfUnit(), main, 'start'],
    {
      env: {
        ...process.env,
        PIE_BRAIN_HOME: join(dir, 'home'),
        PIE_BRAIN_BRAIN_DIR: join(dir, 'brain'),
        PIE_BRAIN_CONFIG: join(dir, 'config.yaml'),
        PIE_BRAIN_READY_FILE: ready,
        OLLAMA_HOST: ollama.host,
      },
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  const started = Date.now();
  while (!existsSync(ready)) {
    if (Date.now() - started > 60_000 || child.exitCode !== null) throw new Error('pie-brain did not become ready under strace');
    await sleep(20);
  }
  // Start-up writes (migrations, first-seen marks) are not idle wear: count from a few seconds after ready.
  await sleep(5000);
  const since = Date.now() / 1000;
  await sleep(MINUTES * 60_000);
  const syncs = countSyncs(readFileSync(traceFile, 'utf8'), since);
  const heartbeats = ollama.requests.filter((request) => request.path === '/api/version').length;
  report('idle-writes', 'fsyncs', syncs, 'fsync+fdatasync', { idle_min: MINUTES, heartbeat_cron: HEARTBEAT, heartbeats });
  report('idle-writes', 'fsyncs_per_hour', (syncs / MINUTES) * 60, 'per hour', { idle_min: MINUTES, heartbeat_cron: HEARTBEAT });
  child.stdin?.end();
  await new Promise((resolve) => child.on('exit', resolve));
  await ollama.close();
  rmSync(dir, { recursive: true, force: true });
}

await run();

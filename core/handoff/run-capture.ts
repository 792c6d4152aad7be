// The detached process of every cloud run (`node run-capture.js <runDir>`): it starts the brain's command in
// its own process group, keeps its output within the run's cap (CappedLog), and records how it ended. It needs
// nothing of pie-brain but its run folder, so it goes on, and keeps the output capped, while pie-brain is down.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { CappedLog } from './capped-log.js';
import { type CaptureSpec, exitCodeOf, type RunExit, runFiles } from './run-files.js';

/** After the brain's process exits, how long a grandchild holding its output open may delay the end. */
const DRAIN_MS = 2000;

const runDir = process.argv[2];
if (!runDir) {
  process.stderr.write('usage: run-capture.js <runDir>\n');
  process.exit(2);
}
const files = runFiles(runDir);
const spec = JSON.parse(readFileSync(files.command, 'utf8')) as CaptureSpec;
const stdout = new CappedLog(files.stdout, spec.maxOutputBytes);
const stderr = new CappedLog(files.stderr, spec.maxOutputBytes);

// A signal to the run's group reaches the brain too: this process stays to keep its last words and exit code.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});

let ended = false;
function finish(exit: RunExit): void {
  if (ended) return;
  ended = true;
  stdout.close();
  stderr.close();
  const temp = `${files.exit}.tmp`;
  writeFileSync(temp, `${JSON.stringify(exit)}\n`);
  renameSync(temp, files.exit);
  process.exit(exitCodeOf(exit, constants.signals) ?? 1);
}

let child: ChildProcess;
const input = spec.stdin ? openSync(files.stdin, 'r') : 'ignore';
try {
  child = spawn(spec.file, spec.args, { cwd: spec.cwd, stdio: [input, 'pipe', 'pipe'] });
} finally {
  if (typeof input === 'number') closeSync(input);
}
// Each read arrives in a fresh buffer; a chatty run would grow this process by tens of MB before V8 frees
// them by itself. A collection every few MB keeps it near its idle size.
const GC_EVERY_BYTES = 4 * 1024 * 1024;
let sinceGc = 0;
const collect = (globalThis as { gc?: () => void }).gc;
function keep(log: CappedLog, chunk: Buffer): void {
  log.write(chunk);
  sinceGc += chunk.length;
  if (sinceGc >= GC_EVERY_BYTES && collect) {
    sinceGc = 0;
    collect();
  }
}
child.stdout?.on('data', (chunk: Buffer) => keep(stdout, chunk));
child.stderr?.on('data', (chunk: Buffer) => keep(stderr, chunk));
child.once('error', (error: NodeJS.ErrnoException) => {
  stderr.write(Buffer.from(`could not start ${spec.file} in ${spec.cwd}: ${error.code ?? error.message}\n`));
  finish({ code: 127, signal: null });
});
child.once('exit', (code, signal) => {
  const exit = { code, signal };
  // Its output is read to the end, unless a grandchild keeps the pipes open.
  const drained = setTimeout(() => finish(exit), DRAIN_MS);
  child.once('close', () => {
    clearTimeout(drained);
    finish(exit);
  });
});

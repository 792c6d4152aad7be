import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { BrainCommand } from '../contracts/brain.js';
import { PieBrainError } from '../errors.js';
import { findCompiledScript } from '../lib/compiled-script.js';
import { type CaptureSpec, runFiles } from './run-files.js';

export { runFiles } from './run-files.js';

const CAPTURE = 'run-capture.js';

export interface DetachedRun {
  pid: number;
  child: ChildProcess;
  /** Identify the process beyond its pid (pids are reused): boot id and start time from /proc, when there is one. */
  bootId: string | null;
  procStart: string | null;
}

/** Where `file` would be found on PATH (or itself, when it is a path), if it is there and executable. */
export function findExecutable(file: string, path: string | undefined): string | undefined {
  const candidates = file.includes('/')
    ? [file]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, file));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

function notInstalled(file: string): PieBrainError {
  return new PieBrainError('BRAIN_UNAVAILABLE', `could not start ${file}: ENOENT`, { userMessage: `${file} is not installed` });
}

/**
 * Start a command detached: its own process group, under the capture process (run-capture.js), which keeps
 * its output in the run's files within `maxOutputBytes` each and records its exit. Nothing ties it to
 * pie-brain (unref): it keeps running, and keeps writing its result, when pie-brain exits or is killed.
 */
export async function spawnDetached(
  command: BrainCommand,
  runDir: string,
  env: Record<string, string>,
  options: { maxOutputBytes: number },
): Promise<DetachedRun> {
  const capture = findCompiledScript(import.meta.url, CAPTURE);
  if (!capture)
    throw new PieBrainError('BRAIN_FAILED', `${CAPTURE} is not built`, { userMessage: 'pie-brain is not built (npm run build)' });
  if (!findExecutable(command.file, env.PATH)) throw notInstalled(command.file);
  mkdirSync(runDir, { recursive: true });
  const files = runFiles(runDir);
  if (command.stdin !== undefined) writeFileSync(files.stdin, command.stdin, { mode: 0o600 });
  // The argv is kept for whoever debugs a run; the environment (keys) is not.
  const spec: CaptureSpec = {
    file: command.file,
    args: command.args,
    cwd: command.cwd,
    stdin: command.stdin !== undefined,
    maxOutputBytes: Math.max(1024, Math.floor(options.maxOutputBytes)),
  };
  writeFileSync(files.command, `${JSON.stringify(spec)}\n`);
  // --expose-gc: the capture process collects as it goes (run-capture.ts), staying near its idle size.
  // Under systemd, in a scope of its own (decided by pie-brain's environment, not the run's).
  const scoped = scopedCommand({ file: process.execPath, args: ['--expose-gc', capture, runDir] }, runDir);
  const child = spawn(scoped.file, scoped.args, { cwd: runDir, env: { ...env, ...scoped.env }, detached: true, stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new PieBrainError('BRAIN_FAILED', `could not start ${command.file}: ${error.code ?? error.message}`, {
          cause: error,
          userMessage: `${command.file} could not be started (${error.code ?? 'error'})`,
        }),
      );
    });
  });
  child.unref();
  const pid = child.pid as number;
  return { pid, child, bootId: readBootId(), procStart: readProcStart(pid) };
}

/**
 * The capture process of a run, found by its command line (node run-capture.js <runDir>): how a restart finds
 * a run whose pid was never recorded (pie-brain was killed between starting it and writing its pid down).
 */
export function findRunProcess(runDir: string): { pid: number; procStart: string | null } | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = argv.findIndex((arg) => isAbsolute(arg) && arg.endsWith(`/${CAPTURE}`));
    if (at < 0 || argv[at + 1] !== runDir) continue;
    // Its own group leader: the process spawnDetached started, not something it started.
    if (!isGroupLeader(pid)) continue;
    const stat = procStat(pid);
    if (stat && (stat[0] === 'Z' || stat[0] === 'X')) continue;
    return { pid, procStart: readProcStart(pid) };
  }
  return undefined;
}

function isGroupLeader(pid: number): boolean {
  const stat = procStat(pid);
  return stat ? Number(stat[2]) === pid : false;
}

/**
 * Under the systemd unit (PIE_BRAIN_RUN_SCOPE=systemd-user) a run starts in a transient scope of the owner's
 * user manager, outside pie-brain's cgroup: a run's out-of-memory kill does not take pie-brain with it, and
 * a restart of pie-brain does not end the run. `systemd-run --scope` execs the command in place, so the
 * pid and process group are the run's own.
 */
export function scopedCommand(
  command: Pick<BrainCommand, 'file' | 'args'>,
  runDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { file: string; args: string[]; env: Record<string, string> } {
  if (env.PIE_BRAIN_RUN_SCOPE !== 'systemd-user') return { file: command.file, args: command.args, env: {} };
  return {
    file: 'systemd-run',
    args: ['--user', '--scope', '--quiet', '--collect', `--description=pie-brain run ${runDir}`, '--', command.file, ...command.args],
    // systemd-run finds the user manager's bus through it.
    env: env.XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR } : {},
  };
}

export function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The process start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
export function readProcStart(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/**
 * Whether the run's process still exists: same boot, pid alive, not a zombie, and the same start time
 * (so a reused pid is not mistaken for the run).
 */
export function isRunAlive(pid: number | null, bootId: string | null, procStart: string | null): boolean {
  if (pid === null || pid <= 0) return false;
  const boot = readBootId();
  if (bootId && boot && bootId !== boot) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return true;
  if (stat[0] === 'Z' || stat[0] === 'X') return false;
  return !procStart || stat[19] === procStart;
}

/** Signal the whole process group of a detached run (the CLI and everything it started). */
export function signalGroup(pid: number | null, signal: NodeJS.Signals): boolean {
  // Never 0 or below: kill(-0) would signal pie-brain's own group.
  if (pid === null || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

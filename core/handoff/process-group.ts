import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrainCommand } from '../contracts/brain.js';
import { PieBrainError } from '../errors.js';

/** Where one run's output goes. */
export function runFiles(runDir: string): { stdout: string; stderr: string } {
  return { stdout: join(runDir, 'stdout.log'), stderr: join(runDir, 'stderr.log') };
}

export interface DetachedRun {
  pid: number;
  child: ChildProcess;
  /** Identify the process beyond its pid (pids are reused): boot id and start time from /proc, when there is one. */
  bootId: string | null;
  procStart: string | null;
}

/**
 * Start a command in its own process group with stdout and stderr going straight to files, and let go of
 * it (unref): it keeps running, and keeps writing its result, when pie-brain exits or is killed.
 */
export async function spawnDetached(command: BrainCommand, runDir: string, env: Record<string, string>): Promise<DetachedRun> {
  mkdirSync(runDir, { recursive: true });
  const files = runFiles(runDir);
  // The argv is kept for whoever debugs a run; the environment (keys) is not.
  writeFileSync(join(runDir, 'command.json'), `${JSON.stringify({ file: command.file, args: command.args, cwd: command.cwd })}\n`);
  const out = openSync(files.stdout, 'a');
  const err = openSync(files.stderr, 'a');
  let child: ChildProcess;
  const scoped = scopedCommand(command, runDir);
  try {
    child = spawn(scoped.file, scoped.args, {
      cwd: command.cwd,
      env: { ...env, ...scoped.env },
      detached: true,
      stdio: ['ignore', out, err],
    });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT';
      reject(
        new PieBrainError(
          missing ? 'BRAIN_UNAVAILABLE' : 'BRAIN_FAILED',
          `could not start ${command.file}: ${error.code ?? error.message}`,
          {
            cause: error,
            userMessage: missing ? `${command.file} is not installed` : `${command.file} could not be started (${error.code ?? 'error'})`,
          },
        ),
      );
    });
  });
  child.unref();
  const pid = child.pid as number;
  return { pid, child, bootId: readBootId(), procStart: readProcStart(pid) };
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
export function isRunAlive(pid: number, bootId: string | null, procStart: string | null): boolean {
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
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

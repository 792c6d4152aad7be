import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files of one run, in its folder under $PIE_BRAIN_HOME/runs/<task>/. */
export interface RunFiles {
  /** What the capture process starts (CaptureSpec), kept for whoever debugs the run. */
  command: string;
  /** The brain's standard input, when it takes its prompt there. */
  stdin: string;
  stdout: string;
  stderr: string;
  /** Written by the capture process when the brain's process ended: its exit code survives a restart of pie-brain. */
  exit: string;
}

export function runFiles(runDir: string): RunFiles {
  return {
    command: join(runDir, 'command.json'),
    stdin: join(runDir, 'stdin.txt'),
    stdout: join(runDir, 'stdout.log'),
    stderr: join(runDir, 'stderr.log'),
    exit: join(runDir, 'exit.json'),
  };
}

/** command.json: what the capture process runs, and how much of its output it keeps. */
export interface CaptureSpec {
  file: string;
  args: string[];
  cwd: string;
  /** Whether stdin.txt is the brain's standard input. */
  stdin: boolean;
  /** Each of stdout and stderr keeps at most this much on disk. */
  maxOutputBytes: number;
}

export interface RunExit {
  code: number | null;
  signal: string | null;
}

/** How the brain's process ended, when its capture process saw it end. */
export function readRunExit(runDir: string): RunExit | undefined {
  const file = runFiles(runDir).exit;
  if (!existsSync(file)) return undefined;
  try {
    const exit = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunExit>;
    return { code: typeof exit.code === 'number' ? exit.code : null, signal: typeof exit.signal === 'string' ? exit.signal : null };
  } catch {
    return undefined;
  }
}

/** The shell's convention: a process ended by signal N exits 128 + N. */
export function exitCodeOf(exit: RunExit, signals: Record<string, number>): number | null {
  if (exit.code !== null) return exit.code;
  return exit.signal ? 128 + (signals[exit.signal] ?? 0) : null;
}

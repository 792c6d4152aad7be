import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { execa } from 'execa';

export type SnippetLanguage = 'python' | 'javascript';

export interface RunSnippetOptions {
  language: SnippetLanguage;
  code: string;
  /** Passed to the snippet as argv, never through a shell. */
  args: readonly string[];
  /** Each run gets a fresh folder under this one, removed afterwards. */
  scratchRoot: string;
  timeoutMs: number;
  /** Per stream: output beyond this is read and dropped. */
  maxOutputBytes: number;
  memoryMb: number;
  /** The Python interpreter (config runCode.python). */
  python: string;
  /** `prlimit` for Python's address-space limit; found on PATH when left out, `null` to go without. */
  prlimit?: string | null;
  signal?: AbortSignal;
}

export interface SnippetResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** How memory was bounded: Python under `prlimit --as`, JavaScript by V8's heap limit, or not at all. */
  memoryLimit: 'prlimit --as' | 'max-old-space-size' | 'none';
  /** The interpreter was not found. */
  missing?: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

function command(options: RunSnippetOptions, file: string): { file: string; args: string[]; memoryLimit: SnippetResult['memoryLimit'] } {
  if (options.language === 'javascript') {
    return {
      file: process.execPath,
      args: [`--max-old-space-size=${options.memoryMb}`, file, ...options.args],
      memoryLimit: 'max-old-space-size',
    };
  }
  // -u: unbuffered, so what was printed before a timeout is not lost; -I: ignore PYTHON* variables and user site.
  const python = [options.python, '-u', '-I', file, ...options.args];
  const prlimit = options.prlimit === undefined ? findOnPath('prlimit') : options.prlimit;
  if (!prlimit) return { file: python[0] as string, args: python.slice(1), memoryLimit: 'none' };
  return { file: prlimit, args: [`--as=${options.memoryMb * 1024 * 1024}`, '--', ...python], memoryLimit: 'prlimit --as' };
}

class CappedText {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

// The child leads its own process group, so a timeout also ends whatever it started.
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Run a Python or JavaScript snippet: written to a file in a fresh scratch folder, started without a shell
 * (argv only) in its own process group with a minimal environment (no secrets), killed with its children
 * after `timeoutMs`, output capped per stream, memory bounded where the OS allows.
 */
export async function runSnippet(options: RunSnippetOptions): Promise<SnippetResult> {
  const interpreter = options.language === 'python' ? options.python : process.execPath;
  if (!(isAbsolute(interpreter) ? isExecutable(interpreter) : findOnPath(interpreter))) {
    const memoryLimit = options.language === 'python' ? 'none' : 'max-old-space-size';
    return {
      stdout: '',
      stderr: '',
      exitCode: null,
      signal: null,
      timedOut: false,
      truncated: false,
      durationMs: 0,
      memoryLimit,
      missing: interpreter,
    };
  }
  await mkdir(options.scratchRoot, { recursive: true });
  const scratch = await mkdtemp(join(options.scratchRoot, 'run-'));
  const file = join(scratch, options.language === 'python' ? 'main.py' : 'main.js');
  try {
    await writeFile(file, options.code);
    // An empty package.json stops Node looking for one in the folders above (JavaScript runs as CommonJS).
    if (options.language === 'javascript') await writeFile(join(scratch, 'package.json'), '{}\n');
    const { file: executable, args, memoryLimit } = command(options, file);
    const stdout = new CappedText(options.maxOutputBytes);
    const stderr = new CappedText(options.maxOutputBytes);
    const started = performance.now();
    const child = execa(executable, args, {
      cwd: scratch,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, TMPDIR: scratch, LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' },
      extendEnv: false,
      stdin: 'ignore',
      buffer: false,
      detached: true,
      reject: false,
    });
    child.stdout?.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    const onAbort = () => killGroup(child.pid);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const result = await child;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    killGroup(child.pid);
    const missing = (result as { code?: string }).code === 'ENOENT' ? executable : undefined;
    return {
      stdout: stdout.toString(),
      stderr: stderr.toString(),
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      truncated: stdout.truncated || stderr.truncated,
      durationMs: Math.round(performance.now() - started),
      memoryLimit,
      ...(missing ? { missing } : {}),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

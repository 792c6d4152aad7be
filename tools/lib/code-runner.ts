import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { probeBubblewrap, type SandboxProbe } from '../../core/lib/bubblewrap.js';
import { findOnPath } from '../../core/lib/find-on-path.js';
import { currentNode, type Interpreter, resolvePython } from './interpreter.js';
import { sandboxArgs } from './sandbox-args.js';

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
  /** `prlimit` for the memory limit; found on PATH when left out, `null` to go without. */
  prlimit?: string | null;
  /** bubblewrap; found on PATH when left out, `null` to go without. */
  bwrap?: string | null;
  /** Run without a sandbox when bubblewrap cannot make one (config runCode.allowUnsandboxed); refused otherwise. */
  allowUnsandboxed?: boolean;
  signal?: AbortSignal;
}

export type MemoryLimit = 'prlimit --as' | 'prlimit --data' | 'max-old-space-size' | 'none';

export interface SnippetResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /**
   * How memory was bounded: Python by its address space (`prlimit --as`, memoryMb); JavaScript by V8's heap
   * limit (memoryMb) and its data segment (`prlimit --data`, memoryMb plus Node's own 64 MB: V8 reserves far
   * more address space than it uses, but every heap page and Buffer is data), or by the heap limit alone where
   * prlimit is missing.
   */
  memoryLimit: MemoryLimit;
  /** `bwrap` when the snippet ran in the sandbox, `none` when config allowed it to run without. */
  sandbox: 'bwrap' | 'none';
  /** The interpreter was not found. */
  missing?: string;
  /** Why nothing ran (no sandbox, and running without one is not allowed). */
  refused?: string;
}

const probes = new Map<string, Promise<SandboxProbe>>();

/** Whether bubblewrap works here, asked once per bwrap. */
function sandboxProbe(bwrap: string | null | undefined): Promise<SandboxProbe> {
  const path = bwrap === undefined ? (findOnPath('bwrap') ?? null) : bwrap;
  if (path === null) return probeBubblewrap(null);
  let probe = probes.get(path);
  if (!probe) {
    probe = probeBubblewrap(path);
    probes.set(path, probe);
  }
  return probe;
}

function interpreterArgs(options: RunSnippetOptions, file: string): string[] {
  // -u: unbuffered, so what was printed before a timeout is not lost; -I: ignore PYTHON* variables and user site.
  if (options.language === 'python') return ['-u', '-I', file, ...options.args];
  return [`--max-old-space-size=${options.memoryMb}`, file, ...options.args];
}

const KILL_GRACE_MS = 500;

// Node itself needs about 40 MB of data before the snippet allocates anything (with less it hangs at start).
const NODE_OWN_MB = 64;

function memoryLimit(options: RunSnippetOptions, prlimit: string | undefined): { args: string[]; limit: MemoryLimit } {
  const javascript = options.language === 'javascript';
  if (!prlimit) return { args: [], limit: javascript ? 'max-old-space-size' : 'none' };
  const mb = javascript ? options.memoryMb + NODE_OWN_MB : options.memoryMb;
  const option = javascript ? '--data' : '--as';
  return { args: [prlimit, `${option}=${mb * 1024 * 1024}`, '--'], limit: `prlimit ${option}` };
}

function notRun(extra: Pick<SnippetResult, 'missing'> | Pick<SnippetResult, 'refused'>): SnippetResult {
  return {
    stdout: '',
    stderr: '',
    exitCode: null,
    signal: null,
    timedOut: false,
    truncated: false,
    durationMs: 0,
    memoryLimit: 'none',
    sandbox: 'none',
    ...extra,
  };
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
 * (argv only) in a bubblewrap sandbox (its own PID, IPC and network namespaces, the system read-only, a private
 * /tmp, nothing of the homes), under a memory limit, with a minimal environment (no secrets); the whole tree is
 * killed after `timeoutMs` and output is capped per stream. Without bubblewrap it is refused unless
 * `allowUnsandboxed`, and then runs in its own process group only.
 */
export async function runSnippet(options: RunSnippetOptions): Promise<SnippetResult> {
  const interpreter: Interpreter | undefined = options.language === 'python' ? await resolvePython(options.python) : currentNode();
  if (!interpreter) return notRun({ missing: options.python });
  const probe = await sandboxProbe(options.bwrap);
  if (!probe.ok && !options.allowUnsandboxed) return notRun({ refused: probe.detail });
  const sandboxed = probe.ok && probe.path !== undefined;
  await mkdir(options.scratchRoot, { recursive: true });
  const scratch = await mkdtemp(join(options.scratchRoot, 'run-'));
  const file = join(scratch, options.language === 'python' ? 'main.py' : 'main.js');
  try {
    await writeFile(file, options.code);
    // An empty package.json stops Node looking for one in the folders above (JavaScript runs as CommonJS).
    if (options.language === 'javascript') await writeFile(join(scratch, 'package.json'), '{}\n');
    const limit = memoryLimit(options, options.prlimit === undefined ? findOnPath('prlimit') : (options.prlimit ?? undefined));
    const sandbox = sandboxed ? [probe.path as string, ...sandboxArgs({ scratch, readOnly: interpreter.prefixes }), '--'] : [];
    const [executable, ...args] = [...limit.args, ...sandbox, interpreter.executable, ...interpreterArgs(options, file)] as [
      string,
      ...string[],
    ];
    const stdout = new CappedText(options.maxOutputBytes);
    const stderr = new CappedText(options.maxOutputBytes);
    const started = performance.now();
    // execa is loaded on the first run, not at start-up.
    const { execa } = await import('execa');
    const child = execa(executable, args, {
      cwd: scratch,
      env: {
        PATH: `${dirname(interpreter.executable)}:/usr/local/bin:/usr/bin:/bin`,
        HOME: scratch,
        TMPDIR: sandboxed ? '/tmp' : scratch,
        LANG: 'C.UTF-8',
        PYTHONIOENCODING: 'utf-8',
      },
      extendEnv: false,
      stdin: 'ignore',
      buffer: false,
      detached: true,
      reject: false,
    });
    child.stdout?.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    let timedOut = false;
    // Killing bwrap ends the sandbox's PID namespace, and with it every process inside, detached or not.
    // Without the sandbox a process that left the group (setsid) can keep the output pipes open: once the group is
    // killed, stop reading after a short grace instead of waiting for it.
    let release: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      killGroup(child.pid);
      release ??= setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', stop, { once: true });
    const result = await child;
    clearTimeout(timer);
    clearTimeout(release);
    options.signal?.removeEventListener('abort', stop);
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
      memoryLimit: limit.limit,
      sandbox: sandboxed ? 'bwrap' : 'none',
      ...(missing ? { missing } : {}),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

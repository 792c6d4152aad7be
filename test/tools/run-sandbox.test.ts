import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeBubblewrap } from '../../core/lib/bubblewrap.js';
import { CodeRunStore } from '../../storage/code-runs.js';
import { type Db, openDatabase } from '../../storage/db.js';
import { type RunSnippetOptions, runSnippet } from '../../tools/lib/code-runner.js';
import type { RunCodeTool } from '../../tools/run-code.js';
import { tempDir, waitFor } from '../helpers.js';
import { toolContext } from './context.js';
import { killMarked, processesWith } from './processes.js';
import { makeRunCodeTool } from './run-code-tool.js';

const dir = tempDir();
const scratchRoot = join(dir.path, 'scratch');
const SECRET = 'sk-ant-sandbox-must-not-see-this';
let server: Server;
let port: number;
let connections = 0;

function run(language: RunSnippetOptions['language'], code: string, overrides: Partial<RunSnippetOptions> = {}) {
  return runSnippet({
    language,
    code,
    args: [],
    scratchRoot,
    timeoutMs: 10_000,
    maxOutputBytes: 8192,
    memoryMb: 256,
    python: 'python3',
    ...overrides,
  });
}

beforeAll(async () => {
  const probe = await probeBubblewrap();
  if (!probe.ok) throw new Error(`${probe.detail}: install bubblewrap (apt-get install -y bubblewrap) to run the sandbox tests`);
  process.env.PIE_BRAIN_SANDBOX_TEST_SECRET = SECRET;
  server = createServer((socket) => {
    connections += 1;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  delete process.env.PIE_BRAIN_SANDBOX_TEST_SECRET;
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});

describe('the /run sandbox', () => {
  it("cannot read the parent's environment through /proc", async () => {
    const code = [
      'import os, sys',
      'for pid in sys.argv[1:]:',
      '    try:',
      '        print(pid, open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace"))',
      '    except OSError as error:',
      '        print(pid, type(error).__name__)',
      'print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))',
    ].join('\n');
    const result = await run('python', code, { args: [String(process.pid), String(process.ppid), '1'] });
    expect(result.sandbox).toBe('bwrap');
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stdout).toContain(`${process.pid} FileNotFoundError`);
    // Its own PID namespace: bubblewrap's init, the snippet, nothing of the host.
    expect(result.stdout).toMatch(/^pids \[1, 2\]$/m);
    const js = await run(
      'javascript',
      `try { require('fs').readFileSync('/proc/${process.pid}/environ'); console.log('read it') } catch (e) { console.log(e.code) }`,
    );
    expect(js.stdout).toBe('ENOENT\n');
  });

  it('a 1.5 GB Buffer does not fit in memoryMb 256, in either language', async () => {
    const js = await run('javascript', 'const b = Buffer.alloc(1.5 * 1024 ** 3, 1); console.log("allocated", b.length)');
    expect(js.memoryLimit).toBe('prlimit --data');
    expect(js.stdout).not.toContain('allocated');
    expect(js.stderr).toMatch(/RangeError|allocation failed/);
    expect(js.exitCode).not.toBe(0);
    const python = await run('python', 'b = bytearray(1536 * 1024 * 1024)\nprint("allocated", len(b))');
    expect(python.memoryLimit).toBe('prlimit --as');
    expect(python.stdout).not.toContain('allocated');
    expect(python.stderr).toContain('MemoryError');
  });

  it.each([
    ['javascript', 'the snippet exits at once'],
    ['python', 'the snippet sleeps past the timeout'],
  ] as const)('a detached grandchild does not outlive the run (%s, %s)', async (language, _how) => {
    const marker = `pie-brain-grandchild-${language}-${process.pid}`;
    const code =
      language === 'javascript'
        ? `require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '${marker}'], { detached: true, stdio: 'ignore' }).unref(); console.log('spawned')`
        : [
            'import os, subprocess, sys, time',
            `subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "${marker}"], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)`,
            'print("spawned", flush=True)',
            'time.sleep(60)',
          ].join('\n');
    try {
      const result = await run(language, code, { timeoutMs: 1500 });
      expect(result.stdout).toBe('spawned\n');
      expect(result.timedOut).toBe(language === 'python');
      await waitFor(() => processesWith(marker).length === 0, 3000, 'the grandchild to be gone');
    } finally {
      killMarked(marker);
    }
  });

  it('has no network: a loopback server of the host gets no connection', async () => {
    const code = [
      'import socket, sys',
      'try:',
      `    s = socket.create_connection(("127.0.0.1", ${port}), timeout=2)`,
      '    print("connected", s.recv(100))',
      'except OSError as error:',
      '    print("no connection:", type(error).__name__)',
    ].join('\n');
    const result = await run('python', code);
    expect(result.stdout).toMatch(/^no connection: ConnectionRefusedError/);
    const js = await run(
      'javascript',
      `require('net').connect(${port}, '127.0.0.1').on('connect', () => console.log('connected')).on('error', (e) => console.log(e.code))`,
    );
    expect(js.stdout).toBe('ECONNREFUSED\n');
    expect(connections).toBe(0);
  });

  it('sees a read-only system, a private /tmp and nothing of the homes', async () => {
    const hostFile = join(dir.path, 'pie-brain.db');
    writeFileSync(hostFile, 'the data dir');
    const code = [
      'import errno, os',
      'def attempt(what, action):',
      '    try:',
      '        action()',
      '        print(what, "ok")',
      '    except OSError as error:',
      // Read-only (as root) or not ours (as anyone else): refused either way.
      '        print(what, "refused" if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else type(error).__name__)',
      `attempt("read data dir", lambda: open(${JSON.stringify(hostFile)}).read())`,
      'attempt("write /usr", lambda: open("/usr/pwned", "w"))',
      'attempt("write /etc", lambda: open("/etc/pwned", "w"))',
      'attempt("write /tmp", lambda: open("/tmp/mine", "w").write("x"))',
      'attempt("write scratch", lambda: open("here.txt", "w").write("x"))',
      'print("homes", os.path.exists("/root/.ssh"), os.path.exists("/home"), os.path.exists("/var"), os.path.exists("/run"))',
    ].join('\n');
    const result = await run('python', code);
    expect(result.stdout.split('\n')).toEqual([
      'read data dir FileNotFoundError',
      'write /usr refused',
      'write /etc refused',
      'write /tmp ok',
      'write scratch ok',
      'homes False False False False',
      '',
    ]);
  });
});

describe('/run without bubblewrap', () => {
  let db: Db;
  beforeAll(() => {
    db = openDatabase(join(dir.path, 'runs.db'));
  });
  afterAll(() => db.close());

  function tool(allowUnsandboxed: boolean): RunCodeTool {
    return makeRunCodeTool(db, scratchRoot, { bwrap: null, allowUnsandboxed });
  }

  it('is refused, nothing runs and nothing is stored', async () => {
    const marker = join(dir.path, 'ran');
    const result = await tool(false).runLocal(
      { action: 'run', language: 'python', code: `open(${JSON.stringify(marker)}, "w")` },
      toolContext(),
    );
    expect(result.text).toBe(
      "I don't run code without a sandbox, and there is none here: bubblewrap (bwrap) is not installed. Install it (`sudo apt-get install bubblewrap`), or set runCode.allowUnsandboxed: true to run snippets without one.",
    );
    expect(new CodeRunStore(db).list(undefined, 10)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('without a sandbox the timeout still ends the run when a process left its group and holds the output open', async () => {
    const marker = `pie-brain-escaped-${process.pid}`;
    const code = [
      'import subprocess, sys, time',
      `subprocess.Popen([sys.executable, "-c", "import time; time.sleep(20)", "${marker}"], start_new_session=True)`,
      'print("spawned", flush=True)',
      'time.sleep(60)',
    ].join('\n');
    try {
      const result = await run('python', code, { timeoutMs: 1000, bwrap: null, allowUnsandboxed: true });
      expect(result).toMatchObject({ sandbox: 'none', timedOut: true, stdout: 'spawned\n' });
      expect(result.durationMs).toBeLessThan(10_000);
    } finally {
      killMarked(marker);
    }
  });

  it('runs when config allows it, and the reply says there was no sandbox', async () => {
    const result = await tool(true).runLocal({ action: 'run', language: 'python', code: 'print(6 * 7)' }, toolContext());
    expect(result.text).toMatch(/^Run #\d+ \(python, exit 0, \d+ ms, no sandbox\)\n```\n42\n```$/);
    expect(result.data).toMatchObject({ sandbox: 'none', memoryLimit: 'prlimit --as' });
  });
});

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeRunStore } from '../../storage/code-runs.js';
import { type Db, openDatabase } from '../../storage/db.js';
import { runSnippet } from '../../tools/lib/code-runner.js';
import { parseRunArgs, type RunCodeTool, type RunCodeToolOptions } from '../../tools/run-code.js';
import { tempDir, waitFor } from '../helpers.js';
import { toolContext } from './context.js';
import { killMarked, processesWith } from './processes.js';
import { makeRunCodeTool } from './run-code-tool.js';

const dir = tempDir();
let db: Db;
let tool: RunCodeTool;
const scratchRoot = join(dir.path, 'scratch');

function make(overrides: Partial<RunCodeToolOptions> = {}): RunCodeTool {
  return makeRunCodeTool(db, scratchRoot, overrides);
}

beforeAll(() => {
  db = openDatabase(join(dir.path, 'pie-brain.db'));
  tool = make();
});

afterAll(() => {
  db.close();
  dir.remove();
});

describe('run_code', () => {
  it('runs Python and JavaScript and returns stdout, stderr and the exit code', async () => {
    const python = await tool.runLocal(
      parseRunArgs('python import sys\nprint("hello", sys.argv[1:])\nprint("oops", file=sys.stderr)\nsys.exit(3)'),
      toolContext(),
    );
    expect(python.text).toMatch(/^Run #\d+ \(python, exit 3, \d+ ms\)\n```\nhello \[\]\n```\nstderr:\n```\noops\n```$/);
    const js = await tool.runLocal(parseRunArgs('js\n```js\nconsole.log(6 * 7, process.cwd().includes("run-"))\n```'), toolContext());
    expect(js.text).toMatch(/^Run #\d+ \(javascript, exit 0, \d+ ms\)\n```\n42 true\n```$/);
    // Each run had its own scratch folder, and it is gone.
    expect(readdirSync(scratchRoot)).toEqual([]);
  });

  it('a non-admin is refused and nothing runs', async () => {
    const before = new CodeRunStore(db).list(undefined, 100).length;
    const refused = await tool
      .runLocal({ action: 'run', language: 'python', code: 'print(1)' }, toolContext({ isAdmin: false }))
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
    expect(tool.privileges).toEqual(['runCode']);
    expect(new CodeRunStore(db).list(undefined, 100)).toHaveLength(before);
  });

  it('the timeout kills the child and what it started', async () => {
    const marker = `pie-brain-timeout-${process.pid}-${Date.now()}`;
    const quick = make({ timeoutSeconds: 1 });
    const code = [
      'import subprocess, sys, time',
      `child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "${marker}"])`,
      'print("started", flush=True)',
      'time.sleep(60)',
    ].join('\n');
    try {
      const result = await quick.runLocal({ action: 'run', language: 'python', code }, toolContext());
      expect(result.text).toMatch(/^Run #\d+ \(python, stopped after 1 s \(timeout\), \d+ ms\)\n```\nstarted\n```$/);
      expect((result.data as { timedOut: boolean }).timedOut).toBe(true);
      // SIGKILL ended the sandbox; give the kernel a moment to finish what was in it.
      await waitFor(() => processesWith(marker).length === 0, 2000, 'the snippet and its child to die');
    } finally {
      killMarked(marker);
    }
  });

  it('huge output is capped, and the child is not blocked by it', async () => {
    const result = await tool.runLocal(
      {
        action: 'run',
        language: 'javascript',
        code: 'for (let i = 0; i < 20000; i++) console.log("x".repeat(100)); console.error("done")',
      },
      toolContext(),
    );
    const data = result.data as { stdout: string; stderr: string; truncated: boolean; exitCode: number };
    expect(data.stdout).toHaveLength(1024);
    expect(data.truncated).toBe(true);
    expect(data.exitCode).toBe(0);
    expect(data.stderr).toBe('done\n');
    expect(result.text).toContain('_Output was cut at 1024 bytes per stream._');
  });

  it('no shell: metacharacters in the code and the arguments stay text', async () => {
    const marker = join(dir.path, 'pwned');
    const args = [`; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `' && touch ${marker} '`];
    const result = await tool.runLocal(
      { action: 'run', language: 'python', code: `import sys\nprint(sys.argv[1:]) # $(touch ${marker}); \`touch ${marker}\``, args },
      toolContext(),
    );
    expect((result.data as { stdout: string }).stdout.trim()).toBe(
      `['; touch ${marker}', '$(touch ${marker})', '\`touch ${marker}\`', "' && touch ${marker} '"]`,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('the snippet does not see the parent environment (tokens live there)', async () => {
    process.env.PIE_BRAIN_TEST_SECRET = 'sk-do-not-leak';
    try {
      const result = await tool.runLocal(
        { action: 'run', language: 'javascript', code: 'console.log(JSON.stringify(Object.keys(process.env).sort()))' },
        toolContext(),
      );
      const keys = JSON.parse((result.data as { stdout: string }).stdout) as string[];
      expect(keys).not.toContain('PIE_BRAIN_TEST_SECRET');
      expect(keys).toEqual(expect.arrayContaining(['HOME', 'PATH']));
    } finally {
      delete process.env.PIE_BRAIN_TEST_SECRET;
    }
  });

  it('memory is bounded: V8 heap and data segment for JavaScript, prlimit --as for Python', async () => {
    const js = await runSnippet({
      language: 'javascript',
      code: 'const keep = []; for (;;) keep.push(new Array(1e6).fill(1));',
      args: [],
      scratchRoot,
      timeoutMs: 20_000,
      maxOutputBytes: 4096,
      memoryMb: 32,
      python: 'python3',
    });
    expect(js.memoryLimit).toBe('prlimit --data');
    expect(js.timedOut).toBe(false);
    expect(js.exitCode === 0).toBe(false);
    expect(js.stderr).toMatch(/heap/i);
    const python = await runSnippet({
      language: 'python',
      code: 'data = bytearray(1024 * 1024 * 1024)\nprint("allocated")',
      args: [],
      scratchRoot,
      timeoutMs: 20_000,
      maxOutputBytes: 4096,
      memoryMb: 128,
      python: 'python3',
    });
    expect(python.memoryLimit).toBe('prlimit --as');
    expect(python.stderr).toContain('MemoryError');
    expect(python.exitCode).toBe(1);
  });

  it('a missing interpreter is a plain answer', async () => {
    const result = await make({ python: 'python-that-is-not-installed' }).runLocal(
      { action: 'run', language: 'python', code: 'print(1)' },
      toolContext(),
    );
    expect(result.text).toBe('I cannot run python: `python-that-is-not-installed` was not found (config runCode.python).');
  });

  it('every run is stored; /runs lists and searches them', async () => {
    const fresh = tempDir();
    const ownDb = openDatabase(join(fresh.path, 'runs.db'));
    const own = make({ store: new CodeRunStore(ownDb) });
    await own.runLocal(parseRunArgs('python print("needle in python")'), toolContext());
    await own.runLocal(parseRunArgs('js console.log("hay")'), toolContext());
    await own.runLocal(parseRunArgs('js console.log(100%)'), toolContext());
    const all = await own.runLocal(own.slashCommands[1]?.toParams(''), toolContext());
    expect(all.text.split('\n')).toEqual([
      'Latest runs:',
      '- #3 2026-11-24 12:00 javascript, exit 1: `console.log(100%)`',
      '- #2 2026-11-24 12:00 javascript, exit 0: `console.log("hay")`',
      '- #1 2026-11-24 12:00 python, exit 0: `print("needle in python")`',
    ]);
    const found = await own.runLocal(own.slashCommands[1]?.toParams('needle'), toolContext());
    expect(found.data).toEqual({ runs: [1] });
    // LIKE wildcards in the query are literal.
    expect((await own.runLocal({ action: 'list', query: '100%' }, toolContext())).data).toEqual({ runs: [3] });
    expect((await own.runLocal({ action: 'list', query: 'javascript' }, toolContext())).data).toEqual({ runs: [3, 2] });
    expect((await own.runLocal({ action: 'list', query: 'nothing-like-this' }, toolContext())).text).toBe(
      'No runs match "nothing-like-this".',
    );
    const stored = new CodeRunStore(ownDb).get(1);
    expect(stored).toMatchObject({ language: 'python', stdout: 'needle in python\n', exitCode: 0, userId: 'fake:owner', taskId: 1 });
    ownDb.close();
    fresh.remove();
  });
});

describe('parseRunArgs', () => {
  it('reads the language and the code, with or without a fence', () => {
    expect(parseRunArgs('py print(1)')).toEqual({ action: 'run', language: 'python', code: 'print(1)' });
    expect(parseRunArgs('```python\nprint(2)\n```')).toEqual({ action: 'run', language: 'python', code: 'print(2)' });
    expect(parseRunArgs('node\n```\nconsole.log(3)\n```')).toEqual({ action: 'run', language: 'javascript', code: 'console.log(3)' });
    expect(parseRunArgs('ruby puts 1')).toEqual({ action: 'run', language: 'ruby', code: 'puts 1' });
  });
});

// What the /run sandbox costs: a trivial snippet's wall time with bubblewrap and without, per language (p50 of 15 runs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunSnippetOptions, runSnippet } from '../tools/lib/code-runner.js';

const RUNS = 15;
const scratchRoot = mkdtempSync(join(tmpdir(), 'pie-brain-bench-sandbox-'));
const code = { python: 'print(1)', javascript: 'console.log(1)' } as const;

async function p50(language: RunSnippetOptions['language'], bwrap: null | undefined): Promise<{ ms: number; sandbox: string }> {
  const times: number[] = [];
  let sandbox = '';
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    const result = await runSnippet({
      language,
      code: code[language],
      args: [],
      scratchRoot,
      timeoutMs: 10_000,
      maxOutputBytes: 4096,
      memoryMb: 256,
      python: 'python3',
      bwrap,
      allowUnsandboxed: true,
    });
    times.push(performance.now() - started);
    sandbox = result.sandbox;
    if (result.stdout !== '1\n') throw new Error(`unexpected output: ${result.stdout} ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, sandbox };
}

try {
  for (const language of ['python', 'javascript'] as const) {
    for (const bwrap of [undefined, null]) {
      const { ms, sandbox } = await p50(language, bwrap);
      process.stdout.write(
        `${JSON.stringify({ bench: 'sandbox', metric: `${language}_run_p50`, value: Math.round(ms * 10) / 10, unit: 'ms', sandbox, runs: RUNS })}\n`,
      );
    }
  }
} finally {
  rmSync(scratchRoot, { recursive: true, force: true });
}

import { execFile } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_MODEL, TINY_MODELS_DIR } from '../fixtures/tiny-embedder.js';
import { tempDir } from '../helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir();
afterAll(() => dir.remove());

const home = join(dir.path, 'home');
const brain = join(dir.path, 'brain');

/** The compiled pie-brain, as a user runs it, on this test's data dir. */
function pieBrain(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = join(dir.path, 'config.yaml');
  writeFileSync(config, `memory:\n  embedder: transformers\n  model: ${TINY_MODEL}\n  modelsDir: ${TINY_MODELS_DIR}\n`);
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(root, 'dist', 'main.js'), ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir.path,
          PIE_BRAIN_HOME: home,
          PIE_BRAIN_BRAIN_DIR: brain,
          PIE_BRAIN_CONFIG: config,
          // Nothing listens here: slash commands need no model.
          OLLAMA_HOST: 'http://127.0.0.1:9',
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

describe('pie-brain memory snapshot and restore (compiled, console chat)', () => {
  it('writes a snapshot, rebuilds a wiped Pi from it, and the same question gets the same answer', async () => {
    const made = await pieBrain(['start'], '/memory save Sourdough wants a warm kitchen and patience\n/ping\n');
    expect(made.code).toBe(0);

    const snapshot = await pieBrain(['memory', 'snapshot']);
    expect(snapshot.stderr).toBe('');
    expect(snapshot.code).toBe(0);
    const file = /to (\/\S+\.jsonl)\n$/.exec(snapshot.stdout)?.[1] as string;
    expect(snapshot.stdout).toMatch(/^Wrote \d+ events and 1 note \(\d+ bytes\) to \//);
    expect(readdirSync(join(home, 'snapshots'))).toEqual([file.slice(file.lastIndexOf('/') + 1)]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const asked = await pieBrain(['start'], '/memory find sourdough patience\n');
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('*Events mentioning* “sourdough patience”:');

    const kept = join(dir.path, 'kept.jsonl');
    copyFileSync(file, kept);
    rmSync(home, { recursive: true, force: true });
    rmSync(brain, { recursive: true, force: true });

    const restored = await pieBrain(['memory', 'restore', kept]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^Restored \d+ events and 1 note from .*kept\.jsonl \(taken \S+\)\.\nIndexed 1 note and \d+ events/);
    expect(readdirSync(join(brain, 'inbox'))).toHaveLength(1);

    const again = await pieBrain(['start'], '/memory find sourdough patience\n');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(asked.stdout);

    const twice = await pieBrain(['memory', 'restore', kept]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^pie-brain: this data dir already holds \d+ memory events; a restore goes onto a fresh data dir/);
    expect(twice.stderr).not.toMatch(/\n\s+at /);
  });

  it('answers a bad call with its usage and exit code 2', async () => {
    const bad = await pieBrain(['memory']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pie-brain memory snapshot [--since DATE]');
  });
});

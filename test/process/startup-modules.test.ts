import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const recorder = new URL('../fixtures/record-imports.mjs', import.meta.url).href;
const dir = tempDir();
afterAll(() => dir.remove());

/** The packages a fresh pie-brain resolves while it answers `/ping` on the console and exits. */
function packagesLoaded(env: Record<string, string> = {}): Promise<{ code: number; packages: Set<string>; stdout: string }> {
  const file = join(dir.path, `imports-${Math.random().toString(36).slice(2)}.txt`);
  const home = join(dir.path, `home-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', recorder, join(root, 'dist', 'main.js'), 'start'],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          PIE_BRAIN_HOME: home,
          PIE_BRAIN_BRAIN_DIR: join(home, 'brain'),
          OLLAMA_HOST: 'http://127.0.0.1:9',
          RECORD_IMPORTS_FILE: file,
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout) => {
        const urls = readFileSync(file, 'utf8').split('\n');
        const packages = new Set(
          urls.flatMap((url) => {
            const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
            return match?.[1] ? [match[1]] : [];
          }),
        );
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, packages, stdout });
      },
    );
    child.stdin?.end('/ping\n');
  });
}

describe('what a fresh start loads', () => {
  it('the console chat loads no platform SDK, no Anthropic SDK, no vector store and no diff library', async () => {
    const { code, packages, stdout } = await packagesLoaded();
    expect(code).toBe(0);
    expect(stdout).toContain('pong');
    // The recorder works: the queue's database is loaded.
    expect(packages.has('better-sqlite3')).toBe(true);
    for (const heavy of [
      '@anthropic-ai/sdk',
      'grammy',
      'discord.js',
      '@slack/bolt',
      '@lancedb/lancedb',
      'diff',
      '@huggingface/transformers',
    ]) {
      expect(packages.has(heavy), `${heavy} was loaded`).toBe(false);
    }
  });

  it('loads the Anthropic SDK when an API key is set', async () => {
    const { code, packages } = await packagesLoaded({ ANTHROPIC_API_KEY: 'sk-ant-test-key-not-real' });
    expect(code).toBe(0);
    expect(packages.has('@anthropic-ai/sdk')).toBe(true);
  });
});

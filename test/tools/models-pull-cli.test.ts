import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHfHub } from '../fakes/hf-hub.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../fixtures/tiny-embedder.js';
import { tempDir } from '../helpers.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const hub = new FakeHfHub(TINY_MODELS_DIR);
let hubUrl = '';
const dir = tempDir();

beforeAll(async () => {
  hubUrl = await hub.listen();
  writeFileSync(join(dir.path, 'config.yaml'), `memory:\n  embedder: transformers\n  model: ${TINY_MODEL}\n`);
});
afterAll(async () => {
  await hub.close();
  dir.remove();
});

function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir.path, PIE_BRAIN_CONFIG: join(dir.path, 'config.yaml'), ...env },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('pie-brain models pull (the compiled CLI)', () => {
  it('fetches the configured model from HF_ENDPOINT into $PIE_BRAIN_HOME/models', async () => {
    const home = join(dir.path, 'home');
    const result = await cli(['models', 'pull'], { PIE_BRAIN_HOME: home, HF_ENDPOINT: hubUrl });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Ready: ${TINY_MODEL} (128 dimensions)`);
    expect(existsSync(join(home, 'models', TINY_MODEL, 'onnx', 'model_quantized.onnx'))).toBe(true);
  });

  it('exits 1 with a readable line when the download fails, and 2 on a wrong subcommand', async () => {
    const closed = new FakeHfHub(dir.path);
    const closedUrl = await closed.listen();
    await closed.close();
    const failed = await cli(['models', 'pull'], { PIE_BRAIN_HOME: join(dir.path, 'other'), HF_ENDPOINT: closedUrl });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^pie-brain: The embedding model pie-brain\/tiny-embedder could not be loaded/);
    expect(failed.stderr).not.toContain('    at ');
    const wrong = await cli(['models', 'fetch'], { PIE_BRAIN_HOME: join(dir.path, 'other') });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('Usage: pie-brain models pull');
  });
});

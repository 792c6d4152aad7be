import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_MODEL, TINY_MODELS_DIR } from '../fixtures/tiny-embedder.js';
import { tempDir } from '../helpers.js';
import { chatThroughConsole } from './console-chat.js';

const dir = tempDir();
afterAll(() => dir.remove());

function start(input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = join(dir.path, 'config.yaml');
  writeFileSync(config, `memory:\n  embedder: transformers\n  model: ${TINY_MODEL}\n  modelsDir: ${TINY_MODELS_DIR}\n`);
  return chatThroughConsole(input, {
    HOME: dir.path,
    PIE_BRAIN_HOME: join(dir.path, 'home'),
    PIE_BRAIN_BRAIN_DIR: join(dir.path, 'brain'),
    PIE_BRAIN_CONFIG: config,
    // Nothing listens here: slash commands must not need the router's model.
    OLLAMA_HOST: 'http://127.0.0.1:9',
  });
}

describe('/memory in the console chat (compiled pie-brain, offline fixture model)', () => {
  it('saves a note once, answers the second identical save with a link to the first, and exits 0', async () => {
    const note = 'Retrieval augmented generation helps small language models on edge devices answer questions.';
    const result = await start(`/memory save ${note}\n/memory save ${note}\n`);
    expect(result.code).toBe(0);
    const inbox = join(dir.path, 'brain', 'inbox');
    const files = readdirSync(inbox);
    expect(files).toHaveLength(1);
    expect(result.stdout.match(/^Saved /gm)).toHaveLength(1);
    expect(result.stdout).toContain(`I already have this: *${note.slice(0, 70)}`);
    expect(result.stdout).toContain(join(inbox, files[0] as string));
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeNoteStore, openNoteStore } from '../../tools/lib/open-memory.js';
import { createMemoryTool } from '../../tools/memory.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../fixtures/tiny-embedder.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../helpers.js';
import { toolContext } from './context.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** Native libraries mapped into this process (Linux): what really costs memory on a Pi. */
function nativeLibraries(): string[] {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/)[5] ?? '')
    .filter((path) => /onnxruntime|lancedb/.test(path));
}

// Its own file, so this process has loaded nothing else first.
describe.skipIf(!existsSync('/proc/self/maps'))('memory start-up cost', () => {
  it('maps neither ONNX Runtime nor LanceDB until the first memory request', async () => {
    const deps = {
      config: testConfig({ memory: { embedder: 'transformers', model: TINY_MODEL, modelsDir: TINY_MODELS_DIR } }),
      paths: testPaths(dir.path),
      logger: quietLogger(),
    };
    const tool = createMemoryTool(deps);
    expect(tool.name).toBe('memory');
    expect(nativeLibraries()).toEqual([]);

    await tool.runLocal({ action: 'save', text: 'Quantization of small language models for edge devices.' }, toolContext());
    const loaded = nativeLibraries().join('\n');
    expect(loaded).toMatch(/libonnxruntime/);
    expect(loaded).toMatch(/lancedb/);
    await closeNoteStore(openNoteStore(deps));
  });
});

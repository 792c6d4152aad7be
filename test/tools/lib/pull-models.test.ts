import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPieBrainError } from '../../../core/errors.js';
import { pullEmbeddingModel } from '../../../tools/lib/pull-models.js';
import { TransformersEmbedder } from '../../../tools/lib/transformers-embedder.js';
import { FakeHfHub } from '../../fakes/hf-hub.js';
import { FakeOllama } from '../../fakes/ollama.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../../fixtures/tiny-embedder.js';
import { tempDir, testConfig, testPaths } from '../../helpers.js';

const hub = new FakeHfHub(TINY_MODELS_DIR);
let hubUrl = '';
const dir = tempDir();
beforeAll(async () => {
  hubUrl = await hub.listen();
});
afterAll(async () => {
  await hub.close();
  dir.remove();
});

describe('pie-brain models pull', () => {
  it('downloads the model into $PIE_BRAIN_HOME/models, after which it loads with remote loading off', async () => {
    const paths = testPaths(dir.path);
    const config = testConfig({ memory: { embedder: 'transformers', model: TINY_MODEL } });
    const lines: string[] = [];
    const result = await pullEmbeddingModel({ config, paths, remoteHost: hubUrl, say: (line) => lines.push(line) });

    const modelsDir = join(paths.home, 'models');
    expect(result).toEqual({ embedder: 'transformers', model: TINY_MODEL, location: modelsDir, dimensions: 128 });
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']) {
      expect(existsSync(join(modelsDir, TINY_MODEL, file))).toBe(true);
    }
    expect(hub.requests.map((r) => r.path)).toContain(`/${TINY_MODEL}/resolve/main/onnx/model_quantized.onnx`);
    expect(readdirSync(join(modelsDir, TINY_MODEL)).filter((name) => name.includes('.tmp'))).toEqual([]);
    expect(lines[0]).toContain(`Fetching ${TINY_MODEL}`);
    expect(lines.at(-1)).toContain('Ready');

    const requestsBefore = hub.requests.length;
    const offline = new TransformersEmbedder({ model: TINY_MODEL, modelsDir, remoteHost: hubUrl });
    expect(await offline.embed(['offline now'])).toHaveLength(1);
    expect(hub.requests.length).toBe(requestsBefore);
    await offline.unload();
  });

  it('fails clearly when the hub does not have the model', async () => {
    const config = testConfig({ memory: { embedder: 'transformers', model: 'nobody/no-such-model' } });
    const error = await pullEmbeddingModel({ config, paths: testPaths(dir.path), remoteHost: hubUrl }).catch((caught: unknown) => caught);
    expect(isPieBrainError(error) && error.code).toBe('MODEL_MISSING');
  });

  it('with the default ollama embedder, has Ollama pull the router model and all-minilm', async () => {
    const ollama = await new FakeOllama({ installed: [] }).start();
    try {
      const lines: string[] = [];
      const config = testConfig({ ollama: { host: ollama.host } });
      const result = await pullEmbeddingModel({ config, paths: testPaths(dir.path), say: (line) => lines.push(line) });
      expect(result).toMatchObject({ embedder: 'ollama', model: 'all-minilm', pulled: [config.router.model, 'all-minilm'] });
      expect(ollama.requests.filter((r) => r.path === '/api/pull').map((r) => r.body.model ?? r.body.name)).toEqual([
        config.router.model,
        'all-minilm',
      ]);
      expect(ollama.installed.map((m) => m.name)).toEqual([`${config.router.model}`, 'all-minilm:latest']);
      expect(lines).toContain('Ready: all-minilm in Ollama');
      ollama.pullable = (name) => name !== 'all-minilm';
      const failed = await pullEmbeddingModel({ config, paths: testPaths(dir.path) }).catch((error: unknown) => error);
      expect(isPieBrainError(failed) && failed.userMessage).toContain('could not pull all-minilm');
    } finally {
      await ollama.close();
    }
  });
});

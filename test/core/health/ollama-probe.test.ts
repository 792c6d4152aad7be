import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeOllama } from '../../../core/health/ollama-probe.js';
import { FakeOllama } from '../../fakes/ollama.js';

let ollama: FakeOllama;
beforeEach(async () => {
  ollama = await new FakeOllama().start();
});
afterEach(async () => {
  await ollama.close();
});

describe('Ollama probe', () => {
  it('reads version, installed and loaded models without calling a model', async () => {
    ollama.installed = [{ name: 'qwen2.5:1.5b' }, { name: 'nomic-embed-text:latest' }];
    ollama.loaded = [{ name: 'qwen2.5:1.5b' }];
    const probe = await probeOllama({ host: ollama.host, routerModel: 'qwen2.5:1.5b' });
    expect(probe).toMatchObject({
      up: true,
      version: '0.12.6',
      installed: ['qwen2.5:1.5b', 'nomic-embed-text:latest'],
      loaded: ['qwen2.5:1.5b'],
      routerModelInstalled: true,
      routerModelLoaded: true,
      error: null,
    });
    expect(ollama.requests.map((r) => r.path).sort()).toEqual(['/api/ps', '/api/tags', '/api/version']);
    expect(ollama.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('says when the router model is installed but not loaded, matching :latest', async () => {
    ollama.installed = [{ name: 'llama3.2:latest' }];
    const probe = await probeOllama({ host: ollama.host, routerModel: 'llama3.2' });
    expect(probe).toMatchObject({ up: true, routerModelInstalled: true, routerModelLoaded: false });
  });

  it('reports down with the reason: an HTTP error, a refused connection, a timeout', async () => {
    ollama.failWith = 500;
    expect(await probeOllama({ host: ollama.host, routerModel: 'qwen2.5:1.5b' })).toMatchObject({ up: false, error: 'HTTP 500' });
    ollama.failWith = null;
    ollama.latencyMs = 500;
    expect(await probeOllama({ host: ollama.host, routerModel: 'qwen2.5:1.5b', timeoutMs: 50 })).toMatchObject({ up: false });
    const host = ollama.host;
    await ollama.close();
    expect(await probeOllama({ host, routerModel: 'qwen2.5:1.5b' })).toMatchObject({ up: false, error: 'ECONNREFUSED' });
  });
});

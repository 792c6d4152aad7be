import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../../fakes/ollama.js';
import { tempDir } from '../../helpers.js';
import { decisionJson, routedRequest } from './harness.js';

const fake = new FakeOllama();
const dir = tempDir();
beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.close();
  dir.remove();
});

function runPieBrain(input: string): Promise<{ stdout: string; code: number | null }> {
  const main = fileURLToPath(new URL('../../../dist/main.js', import.meta.url));
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [main, 'start'],
      {
        env: { ...process.env, PIE_BRAIN_HOME: `${dir.path}/home`, PIE_BRAIN_BRAIN_DIR: `${dir.path}/brain`, OLLAMA_HOST: fake.host },
        timeout: 20_000,
      },
      (error, stdout) => resolve({ stdout, code: error ? ((error as { code?: number }).code ?? 1) : 0 }),
    );
    child.stdin?.end(input);
  });
}

describe('pie-brain start (compiled) with Ollama at OLLAMA_HOST', () => {
  it('routes a console message through the local model and chats back', async () => {
    fake.onChat((request) =>
      request.format ? decisionJson('chat', {}, false, 'small talk') : 'Why did the raspberry blush? It saw the pi.',
    );
    const { stdout, code } = await runPieBrain('tell me a joke\n');
    expect(code).toBe(0);
    expect(stdout).toContain('Why did the raspberry blush? It saw the pi.');
    const [warmUp, routing, chat] = fake.chats();
    // The warm-up at start evaluates the same system prefix the request then reuses.
    expect(warmUp?.options).toMatchObject({ num_predict: 1 });
    expect(routedRequest(routing)).toBe('tell me a joke');
    expect(routing?.options).toMatchObject({ temperature: 0 });
    expect(routing?.messages[0]).toEqual(warmUp?.messages[0]);
    expect(chat?.messages.at(-1)).toEqual({ role: 'user', content: 'tell me a joke' });
  });
});

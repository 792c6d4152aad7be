import { mkdirSync } from 'node:fs';
import { Ollama } from 'ollama';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../core/engine/events.js';
import { isPieBrainError, PieBrainError } from '../../../core/errors.js';
import { Semaphore } from '../../../core/lib/semaphore.js';
import { LlmAccounting } from '../../../core/llm/accounting.js';
import { OllamaProvider } from '../../../core/llm/ollama.js';
import { Runtime } from '../../../core/runtime.js';
import { describeLlmProviderContract } from '../../contracts/llm-provider.js';
import { FakeOllama } from '../../fakes/ollama.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../../helpers.js';
import { ollamaHarness } from './provider-harnesses.js';

const dir = tempDir();
const fake = new FakeOllama();
let runtime: Runtime;

beforeAll(async () => {
  await fake.start();
  const paths = testPaths(dir.path);
  mkdirSync(paths.home, { recursive: true });
  runtime = new Runtime({ config: testConfig(), paths, logger: quietLogger() });
});
afterAll(async () => {
  await fake.close();
  await runtime.stop(0);
  dir.remove();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.down = false;
});

function enqueueTask(text: string): number {
  return runtime.queue.enqueue(
    { platform: 'fake', chatId: 'c', userId: 'u', userName: 'U', platformMessageId: `${Math.random()}`, text, message: {} },
    Date.now(),
  ).taskId;
}

function provider(overrides: Partial<ConstructorParameters<typeof OllamaProvider>[0]> = {}): OllamaProvider {
  return new OllamaProvider({
    host: fake.host,
    model: 'qwen2.5:1.5b',
    keepAlive: '30m',
    accounting: new LlmAccounting({
      clock: runtime.clock,
      bus: runtime.bus,
      ledger: runtime.ledger,
      trace: (event) => runtime.queue.record(event),
    }),
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<PieBrainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPieBrainError(error)) throw new Error(`expected a PieBrainError, got ${String(error)}`);
  return error;
}

describeLlmProviderContract('OllamaProvider against FakeOllama', () => ollamaHarness());

describe('OllamaProvider', () => {
  it('sends model, keep_alive, format and options, and returns text, usage and $0', async () => {
    fake.answerChat({ content: 'hello there', promptEvalCount: 321, evalCount: 7 });
    const format = { type: 'object', properties: { a: { type: 'string' } } };
    const answer = await provider().chat({
      messages: [{ role: 'user', content: 'hi' }],
      format,
      temperature: 0,
      contextTokens: 2048,
      maxTokens: 64,
    });
    expect(answer.text).toBe('hello there');
    expect(answer.costUsd).toBe(0);
    expect(answer.usage).toMatchObject({ inputTokens: 321, outputTokens: 7, promptEvalMs: 2, evalMs: 2, loadMs: 1 });
    expect(answer.usage.estimated).toBeUndefined();
    const [sent] = fake.chats();
    expect(sent).toMatchObject({
      model: 'qwen2.5:1.5b',
      keep_alive: '30m',
      stream: false,
      format,
      options: { temperature: 0, num_ctx: 2048, num_predict: 64 },
    });
  });

  it('records one ledger row, an llm-called event and a trace entry per call', async () => {
    const taskId = enqueueTask('route me');
    const events: Array<EventMap['llm-called']> = [];
    const off = runtime.bus.on('llm-called', (e) => events.push(e));
    fake.answerChat({ content: '{}', promptEvalCount: 500, evalCount: 12 });
    await provider().chat({ messages: [{ role: 'user', content: 'x' }], taskId, purpose: 'route' });
    off();
    expect(events).toEqual([
      expect.objectContaining({
        taskId,
        provider: 'ollama',
        model: 'qwen2.5:1.5b',
        purpose: 'route',
        tokensIn: 500,
        tokensOut: 12,
        costUsd: 0,
      }),
    ]);
    const rows = runtime.ledger.forTask(taskId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'llm', provider: 'ollama', tokensIn: 500, tokensOut: 12, costUsd: 0, purpose: 'route' });
    expect(rows[0]?.data).toMatchObject({ promptEvalMs: 2, evalMs: 2, loadMs: 1 });
    const trace = runtime.queue.events(taskId).filter((e) => e.type.startsWith('llm'));
    expect(trace).toEqual([expect.objectContaining({ type: 'llm:route', tokensIn: 500, tokensOut: 12, costUsd: 0 })]);
  });

  it('maps a connection failure to LLM_UNAVAILABLE and emits llm-failed', async () => {
    const failures: Array<EventMap['llm-failed']> = [];
    const off = runtime.bus.on('llm-failed', (e) => failures.push(e));
    fake.down = true;
    const error = await failureOf(provider().chat({ messages: [{ role: 'user', content: 'x' }] }));
    off();
    expect(error.code).toBe('LLM_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(failures).toEqual([expect.objectContaining({ provider: 'ollama', code: 'LLM_UNAVAILABLE' })]);
  });

  it('maps 5xx to LLM_UNAVAILABLE, a missing model to LLM_UNAVAILABLE with a hint, other 4xx to LLM_REJECTED', async () => {
    fake.answerChat({ status: 500, error: 'llama runner process has terminated' });
    expect((await failureOf(provider().chat({ messages: [{ role: 'user', content: 'x' }] }))).code).toBe('LLM_UNAVAILABLE');
    fake.answerChat({ status: 404, error: 'model "qwen2.5:1.5b" not found, try pulling it first' });
    const missing = await failureOf(provider().chat({ messages: [{ role: 'user', content: 'x' }] }));
    expect(missing.code).toBe('LLM_UNAVAILABLE');
    expect(missing.userMessage).toContain('ollama pull qwen2.5:1.5b');
    fake.answerChat({ status: 400, error: 'invalid format' });
    const rejected = await failureOf(provider().chat({ messages: [{ role: 'user', content: 'x' }] }));
    expect(rejected.code).toBe('LLM_REJECTED');
    expect(rejected.retryable).toBe(false);
  });

  it('gives up after its timeout with LLM_UNAVAILABLE, and honors the caller signal with its reason', async () => {
    fake.answerChat({ content: 'late', delayMs: 5000 });
    const slow = await failureOf(provider().chat({ messages: [{ role: 'user', content: 'x' }], timeoutMs: 100 }));
    expect(slow.code).toBe('LLM_UNAVAILABLE');
    expect(slow.message).toContain('did not answer within');

    fake.answerChat({ content: 'late', delayMs: 5000 });
    const controller = new AbortController();
    const call = provider().chat({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal });
    setTimeout(() => controller.abort(new PieBrainError('TASK_CANCELLED', 'stop')), 50);
    expect((await failureOf(call)).code).toBe('TASK_CANCELLED');
  });

  it('runs one inference at a time and serves waiting calls in the order they asked', async () => {
    const limit = new Semaphore(1);
    const llm = provider({ limit });
    const release = fake.holdNextChat();
    fake.onChat((request) => `answer to ${request.messages[0]?.content}`);
    const calls = ['a', 'b', 'c', 'd'].map((content) => llm.chat({ messages: [{ role: 'user', content }] }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.chats()).toHaveLength(1);
    expect(limit.waiting).toBe(3);
    release();
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.text)).toEqual(['answer to a', 'answer to b', 'answer to c', 'answer to d']);
    expect(fake.chats().map((c) => c.messages[0]?.content)).toEqual(['a', 'b', 'c', 'd']);
    fake.onChat(() => '{}');
  });

  it('lets a waiting call that is aborted leave the line without taking a turn', async () => {
    const limit = new Semaphore(1);
    const llm = provider({ limit });
    const release = fake.holdNextChat();
    const first = llm.chat({ messages: [{ role: 'user', content: 'first' }] });
    const controller = new AbortController();
    const second = llm.chat({ messages: [{ role: 'user', content: 'second' }], signal: controller.signal });
    const third = llm.chat({ messages: [{ role: 'user', content: 'third' }] });
    controller.abort(new PieBrainError('TASK_CANCELLED', 'gone'));
    expect((await failureOf(second)).code).toBe('TASK_CANCELLED');
    release();
    await Promise.all([first, third]);
    expect(fake.chats().map((c) => c.messages[0]?.content)).toEqual(['first', 'third']);
    expect(limit.inUse).toBe(0);
  });
});

describe('FakeOllama through the real client', () => {
  it('streams NDJSON chat, and answers tags, ps, version and embed', async () => {
    const client = new Ollama({ host: fake.host });
    fake.answerChat('a streamed answer that is long enough to split');
    let streamed = '';
    let final: { done: boolean; eval_count: number } | undefined;
    for await (const part of await client.chat({ model: 'qwen2.5:1.5b', messages: [{ role: 'user', content: 'x' }], stream: true })) {
      streamed += part.message.content;
      if (part.done) final = part;
    }
    expect(streamed).toBe('a streamed answer that is long enough to split');
    expect(final?.eval_count).toBeGreaterThan(0);
    expect((await client.list()).models[0]?.name).toBe('qwen2.5:1.5b');
    expect((await client.ps()).models[0]).toMatchObject({ name: 'qwen2.5:1.5b', context_length: 4096 });
    expect((await client.version()).version).toBe('0.12.6');
    const { embeddings } = await client.embed({ model: 'nomic-embed-text', input: ['one', 'two', 'one'] });
    expect(embeddings).toHaveLength(3);
    expect(embeddings[0]).toEqual(embeddings[2]);
    expect(embeddings[0]).not.toEqual(embeddings[1]);
    expect(Math.hypot(...(embeddings[0] ?? []))).toBeCloseTo(1, 6);
  });

  it('answers 404 for a model it has not pulled, and lists a model in ps while a call keeps it loaded', async () => {
    const fresh = await new FakeOllama().start();
    const client = new Ollama({ host: fresh.host });
    expect((await client.ps()).models).toEqual([]);
    await client.embed({ model: 'nomic-embed-text', input: 'load me' });
    expect((await client.ps()).models.map((m) => m.name)).toEqual(['nomic-embed-text:latest']);
    await client.embed({ model: 'nomic-embed-text', input: 'and unload', keep_alive: 0 });
    expect((await client.ps()).models).toEqual([]);
    await expect(client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      name: 'ResponseError',
      status_code: 404,
      error: 'model "llama3.2" not found, try pulling it first',
    });
    expect(fresh.embeds().map((e) => e.input)).toEqual(['load me', 'and unload']);
    await fresh.close();
  });
});

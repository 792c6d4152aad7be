import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPieBrainError, PieBrainError } from '../../core/errors.js';
import type { ChatRequest, LlmProvider } from '../../core/llm/provider.js';

/** A provider wired to the loopback fake of its server, which the suite scripts call by call. */
export interface LlmProviderHarness {
  provider: LlmProvider;
  /** The server answers the next call with this text. */
  answerNext(text: string): void;
  /** The server answers the next call only after `ms` (long enough to abort it first). */
  answerLate(text: string, ms: number): void;
  /** The server fails the next call with a 5xx, every time the provider tries it. */
  failNext(): void;
  /** The server turns the next call down as a bad request (a 4xx that is not a rate limit). */
  rejectNext(): void;
  close(): Promise<void>;
}

let asked = 0;

/** A deterministic request (so a cache in front of the provider is exercised), different for every call. */
function ask(extra: Partial<ChatRequest> = {}): ChatRequest {
  asked += 1;
  return { messages: [{ role: 'user', content: `contract question ${asked}` }], temperature: 0, maxTokens: 200, ...extra };
}

async function failureOf(promise: Promise<unknown>): Promise<PieBrainError> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  if (!isPieBrainError(error)) throw error;
  return error;
}

/**
 * The one contract every LlmProvider (Ollama, Anthropic, the response cache around them) runs: a v1
 * specification whose chat answers text, model, token usage, latency and cost ($0 when local); server
 * failures and timeouts become PieBrainErrors with stable codes; an aborted signal rejects the call.
 */
export function describeLlmProviderContract(name: string, createHarness: () => Promise<LlmProviderHarness>): void {
  describe(`LlmProvider contract: ${name}`, () => {
    let harness: LlmProviderHarness;

    beforeEach(async () => {
      harness = await createHarness();
    });
    afterEach(async () => {
      await harness.close();
    });

    it('implements specification v1 and names itself', () => {
      const { provider } = harness;
      expect(provider.specificationVersion).toBe('v1');
      expect(provider.name).toMatch(/^[a-z][a-z-]*$/);
      expect(typeof provider.local).toBe('boolean');
    });

    it('answers with text, model, token usage, latency and cost', async () => {
      harness.answerNext('forty-two');
      const response = await harness.provider.chat(ask());
      expect(response.text).toBe('forty-two');
      expect(response.model).toMatch(/\S/);
      for (const tokens of [response.usage.inputTokens, response.usage.outputTokens]) {
        expect(Number.isInteger(tokens)).toBe(true);
        expect(tokens).toBeGreaterThan(0);
      }
      expect(response.latencyMs).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(response.costUsd)).toBe(true);
      expect(response.costUsd).toBeGreaterThanOrEqual(0);
      if (harness.provider.local) expect(response.costUsd).toBe(0);
    });

    it('turns a server failure into a retryable LLM_UNAVAILABLE', async () => {
      harness.failNext();
      const error = await failureOf(harness.provider.chat(ask()));
      expect(error.code).toBe('LLM_UNAVAILABLE');
      expect(error.retryable).toBe(true);
    });

    it('turns a rejected request into LLM_REJECTED, which is not retried', async () => {
      harness.rejectNext();
      const error = await failureOf(harness.provider.chat(ask()));
      expect(error.code).toBe('LLM_REJECTED');
      expect(error.retryable).toBe(false);
    });

    it('gives up on a call that outlasts its timeoutMs with a retryable LLM_UNAVAILABLE', async () => {
      harness.answerLate('too late', 20_000);
      const error = await failureOf(harness.provider.chat(ask({ timeoutMs: 200 })));
      expect(error.code).toBe('LLM_UNAVAILABLE');
      expect(error.retryable).toBe(true);
    });

    it('rejects a call whose signal is already aborted, even one it answered before', async () => {
      harness.answerNext('once');
      const question = ask();
      expect((await harness.provider.chat(question)).text).toBe('once');
      harness.answerNext('twice');
      const controller = new AbortController();
      controller.abort(new PieBrainError('TASK_CANCELLED', 'the user cancelled'));
      const error = await failureOf(harness.provider.chat({ ...question, signal: controller.signal }));
      expect(error.code).toBe('TASK_CANCELLED');
    });

    it('rejects a call in flight once its signal is aborted', async () => {
      harness.answerLate('too late', 20_000);
      const controller = new AbortController();
      const call = harness.provider.chat(ask({ signal: controller.signal }));
      setTimeout(() => controller.abort(new PieBrainError('TASK_CANCELLED', 'the user cancelled')), 100);
      expect((await failureOf(call)).code).toBe('TASK_CANCELLED');
    });
  });
}

import { AnthropicProvider } from '../../../core/llm/anthropic.js';
import { OllamaProvider } from '../../../core/llm/ollama.js';
import type { LlmProvider } from '../../../core/llm/provider.js';
import type { LlmProviderHarness } from '../../contracts/llm-provider.js';
import { FakeAnthropic } from '../../fakes/anthropic.js';
import { FakeOllama } from '../../fakes/ollama.js';
import { FakePriceBook, FakeSpendGate } from '../../fakes/spend.js';

/** Wraps the provider under test (the response cache, say); the identity by default. */
type Wrap = (provider: LlmProvider) => LlmProvider;

/** OllamaProvider against its own FakeOllama, for the LlmProvider contract. */
export async function ollamaHarness(wrap: Wrap = (provider) => provider): Promise<LlmProviderHarness> {
  const fake = await new FakeOllama().start();
  return {
    provider: wrap(new OllamaProvider({ host: fake.host, model: 'qwen2.5:1.5b', keepAlive: '30m' })),
    answerNext: (text) => fake.answerChat(text),
    answerLate: (text, ms) => fake.answerChat({ content: text, delayMs: ms }),
    failNext: () => fake.answerChat({ status: 500, error: 'llama runner process has terminated' }),
    rejectNext: () => fake.answerChat({ status: 400, error: 'invalid format' }),
    close: () => fake.close(),
  };
}

const RETRIES = 1;

/** AnthropicProvider (with a spend gate and price book) against its own FakeAnthropic, for the LlmProvider contract. */
export async function anthropicHarness(wrap: Wrap = (provider) => provider): Promise<LlmProviderHarness> {
  const api = new FakeAnthropic();
  await api.start();
  const provider = new AnthropicProvider({
    apiKey: 'sk-contract',
    baseUrl: api.url,
    model: 'claude-sonnet-4-5',
    maxTokens: 500,
    prices: new FakePriceBook(),
    spend: new FakeSpendGate(10),
    maxRetries: RETRIES,
  });
  const failure = (status: number, type: string, message: string) =>
    Array.from({ length: status >= 500 ? RETRIES + 1 : 1 }, () => ({ status, type, message, headers: { 'retry-after-ms': '5' } }));
  return {
    provider: wrap(provider),
    answerNext: (text) => api.answer({ text }),
    answerLate: (text, ms) => api.answer({ text, delayMs: ms }),
    failNext: () => api.answer(...failure(500, 'api_error', 'Internal server error')),
    rejectNext: () => api.answer(...failure(400, 'invalid_request_error', 'max_tokens: too large')),
    close: () => api.stop(),
  };
}

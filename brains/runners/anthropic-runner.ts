// The anthropic brain's detached process: one Messages API call, printed as JSON lines (progress, then result).
// Given several models (the chain the model router chose), a model that is rate-limited, overloaded or gone
// hands the request to the next one; every try is printed, so pie-brain learns how each model did.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_ANTHROPIC_MODEL } from '../../core/costs/model-catalog.js';
import { type AnthropicFailure, callAnthropic, classifyAnthropicError } from '../../core/llm/anthropic-call.js';

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

interface Attempt {
  model: string;
  ok: boolean;
  latency_ms: number;
  code?: string;
  status?: number | null;
  retry_after_ms?: number;
}

function failed(model: string, failure: AnthropicFailure, latencyMs: number): Attempt {
  return {
    model,
    ok: false,
    latency_ms: latencyMs,
    code: failure.code,
    status: failure.status,
    ...(failure.retryAfterMs !== undefined ? { retry_after_ms: failure.retryAfterMs } : {}),
  };
}

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', multiple: true },
      'max-tokens': { type: 'string' },
      system: { type: 'string' },
      why: { type: 'string' },
    },
  });
  // The request arrives on standard input: an argument would be readable by anyone on the Pi (ps, /proc).
  const prompt = readFileSync(0, 'utf8');
  const apiKey = process.env.ANTHROPIC_API_KEY;
  const started = Date.now();
  if (!apiKey) {
    print({ type: 'result', is_error: true, unavailable: true, status: null, result: 'no ANTHROPIC_API_KEY' });
    return 1;
  }
  const models = values.model?.length ? values.model : [DEFAULT_ANTHROPIC_MODEL];
  const why = values.why ? { why: values.why } : {};
  const attempts: Attempt[] = [];
  const failures: Array<{ model: string; failure: AnthropicFailure }> = [];
  let lastProgress = 0;
  for (const model of models) {
    const tried = Date.now();
    try {
      const result = await callAnthropic({
        apiKey,
        baseUrl: process.env.ANTHROPIC_BASE_URL ?? null,
        model,
        maxTokens: Number(values['max-tokens'] ?? 4096),
        ...(values.system ? { system: values.system } : {}),
        messages: [{ role: 'user', content: prompt }],
        // With a next model to go to, one retry (honoring retry-after) before moving on.
        maxRetries: models.length > 1 ? 1 : 3,
        onProgress: (outputTokens) => {
          if (Date.now() - lastProgress < 2000) return;
          lastProgress = Date.now();
          print({ type: 'progress', output_tokens: outputTokens });
        },
      });
      attempts.push({ model, ok: true, latency_ms: Date.now() - tried });
      const { usage } = result;
      print({
        type: 'result',
        is_error: false,
        result: result.text,
        model: result.model,
        requested_model: model,
        stop_reason: result.stopReason,
        duration_ms: Date.now() - started,
        usage: {
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          cache_read_input_tokens: usage.cacheReadTokens,
          cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
          cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite5mTokens, ephemeral_1h_input_tokens: usage.cacheWrite1hTokens },
        },
        attempts,
        ...why,
      });
      return 0;
    } catch (error) {
      const failure = classifyAnthropicError(error);
      const attempt = failed(model, failure, Date.now() - tried);
      attempts.push(attempt);
      failures.push({ model, failure });
      print({ type: 'attempt', ...attempt });
      if (!failure.tryAnotherModel) break;
    }
  }
  const last = failures.at(-1)?.failure;
  print({
    type: 'result',
    is_error: true,
    unavailable: failures.every(({ failure }) => failure.unavailable),
    status: last?.status ?? null,
    code: last?.code,
    result: failures.length === 1 ? last?.message : failures.map(({ model, failure }) => `${model}: ${failure.message}`).join('; '),
    attempts,
    ...why,
  });
  return 1;
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);

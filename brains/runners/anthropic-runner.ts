// The anthropic brain's detached process: one Messages API call, printed as JSON lines (progress, then result).
import { parseArgs } from 'node:util';
import { DEFAULT_ANTHROPIC_MODEL } from '../../core/costs/model-catalog.js';
import { callAnthropic, classifyAnthropicError } from '../../core/llm/anthropic-call.js';

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function run(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { model: { type: 'string' }, 'max-tokens': { type: 'string' }, system: { type: 'string' } },
    allowPositionals: true,
  });
  const apiKey = process.env.ANTHROPIC_API_KEY;
  const started = Date.now();
  if (!apiKey) {
    print({ type: 'result', is_error: true, unavailable: true, status: null, result: 'no ANTHROPIC_API_KEY' });
    return 1;
  }
  let lastProgress = 0;
  try {
    const result = await callAnthropic({
      apiKey,
      baseUrl: process.env.ANTHROPIC_BASE_URL ?? null,
      model: values.model ?? DEFAULT_ANTHROPIC_MODEL,
      maxTokens: Number(values['max-tokens'] ?? 4096),
      ...(values.system ? { system: values.system } : {}),
      messages: [{ role: 'user', content: positionals.join(' ') }],
      onProgress: (outputTokens) => {
        if (Date.now() - lastProgress < 2000) return;
        lastProgress = Date.now();
        print({ type: 'progress', output_tokens: outputTokens });
      },
    });
    const { usage } = result;
    print({
      type: 'result',
      is_error: false,
      result: result.text,
      model: result.model,
      stop_reason: result.stopReason,
      duration_ms: Date.now() - started,
      usage: {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cache_read_input_tokens: usage.cacheReadTokens,
        cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
        cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite5mTokens, ephemeral_1h_input_tokens: usage.cacheWrite1hTokens },
      },
    });
    return 0;
  } catch (error) {
    const failure = classifyAnthropicError(error);
    print({
      type: 'result',
      is_error: true,
      unavailable: failure.unavailable,
      status: failure.status,
      code: failure.code,
      result: failure.message,
    });
    return 1;
  }
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

// Choosing a paid model: the first plan (builds the model registry), then plans with every model's latency
// ring full, and a response-cache hit through the cached provider. Targets: a plan well under a millisecond
// (it runs before every paid call), a cache hit under 2 ms. JSON lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withResponseCache } from '../core/costs/cached-provider.js';
import { ModelRegistry } from '../core/costs/model-registry.js';
import { ModelRouter } from '../core/costs/model-router.js';
import { systemClock } from '../core/lib/clock.js';
import type { ChatRequest, ChatResponse, LlmProvider } from '../core/llm/provider.js';
import { openDatabase } from '../storage/db.js';
import { SqliteResponseCache } from '../storage/response-cache.js';

const PLANS = Number(process.env.BENCH_PLANS ?? 5000);
const HITS = Number(process.env.BENCH_CACHE_HITS ?? 2000);
const POOL = ['claude-haiku-4-5', 'claude-sonnet-5', 'claude-opus-4-5'];

function emit(metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench: 'paid-routing', metric, value: Math.round(value * 1000) / 1000, unit, ...extra })}\n`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

let registry: ModelRegistry | undefined;
const router = new ModelRouter({
  clock: systemClock,
  provider: 'anthropic',
  pool: POOL,
  registry: () => {
    registry ??= ModelRegistry.create();
    return registry;
  },
});

const firstStarted = performance.now();
router.plan({ text: 'what is a monad?', tool: 'chat', maxOutputTokens: 512 });
emit('first_plan_ms', performance.now() - firstStarted, 'ms', { note: 'builds the model registry' });

// Full latency rings (200 per model) and a few failures: the plan sorts each ring for its p95.
for (const model of POOL) {
  for (let i = 0; i < 200; i += 1) router.observe({ model, ok: true, latencyMs: 800 + ((i * 37) % 1500) });
}
const times: number[] = [];
const texts = ['what is a monad?', 'x'.repeat(900), 'refactor the parser\n```ts\nparse()\n```'];
for (let i = 0; i < PLANS; i += 1) {
  const started = performance.now();
  router.plan({
    text: texts[i % texts.length] ?? '',
    tool: i % 2 ? 'chat' : 'git',
    reason: 'bench',
    handoff: i % 5 === 0,
    maxOutputTokens: 512,
  });
  times.push(performance.now() - started);
}
emit('plan_ms', percentile(times, 50), 'ms', {
  p99: Math.round(percentile(times, 99) * 1000) / 1000,
  plans: PLANS,
  models: POOL.length,
  target: 1,
});

const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-paid-'));
try {
  const db = openDatabase(join(dir, 'cache.db'), { synchronous: 'NORMAL' });
  const cache = new SqliteResponseCache(db, { ttlMs: 86_400_000, maxEntries: 5000 });
  const paid: LlmProvider = {
    specificationVersion: 'v1',
    name: 'anthropic',
    local: false,
    chat: async (request: ChatRequest): Promise<ChatResponse> => ({
      text: `an answer of ${request.messages.length} messages`,
      model: request.model ?? 'claude-haiku-4-5',
      usage: { inputTokens: 1200, outputTokens: 300 },
      latencyMs: 1500,
      costUsd: 0.0027,
    }),
  };
  const cached = withResponseCache(paid, cache, { clock: systemClock });
  const request: ChatRequest = {
    messages: [
      { role: 'system', content: 'You are pie-brain, a personal assistant.' },
      { role: 'user', content: 'what is a monad?' },
    ],
    model: 'claude-haiku-4-5',
    temperature: 0,
    maxTokens: 512,
  };
  await cached.chat(request);
  const hits: number[] = [];
  for (let i = 0; i < HITS; i += 1) {
    const started = performance.now();
    await cached.chat(request);
    hits.push(performance.now() - started);
  }
  emit('cache_hit_ms', percentile(hits, 50), 'ms', { p99: Math.round(percentile(hits, 99) * 1000) / 1000, hits: HITS, target: 2 });
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

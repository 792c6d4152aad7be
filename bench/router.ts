// Routing overhead without model time: the router over the eval cases with an Ollama that answers at once
// (a fetch that returns the reply in-process, through the real `ollama` client). Prints JSON lines.

import { Semaphore } from '../core/lib/semaphore.js';
import { OllamaProvider } from '../core/llm/ollama.js';
import { createEvalRouter, messageOf } from './eval/eval-router.js';
import { instantOllama } from './eval/instant-ollama.js';
import { loadRoutingCases, type RoutingCase } from './eval/routing-cases.js';

const MODEL = 'qwen2.5:1.5b';
const ROUNDS = Number(process.env.BENCH_ROUTER_ROUNDS ?? 20);

/** A valid answer for a case's label, with params the stand-in tool accepts. */
function answerFor(item: RoutingCase | undefined): string {
  const text = item?.text ?? 'x';
  const params: Record<string, Record<string, unknown>> = {
    arxiv: { mode: 'search', query: text },
    memory: { action: 'search', query: text },
    git: item?.handoff ? { action: 'task', task: text } : { action: 'sync' },
    run_code: { language: 'python', code: 'print(1)' },
    chat: {},
  };
  const tool = item?.tool_name ?? 'chat';
  return JSON.stringify({ tool_name: tool, params: params[tool] ?? {}, handoff: item?.handoff ?? false, reason: 'bench' });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function print(metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench: 'router', metric, value: Math.round(value * 1000) / 1000, unit, ...extra })}\n`);
}

async function main(): Promise<void> {
  const cases = loadRoutingCases();
  const byText = new Map(cases.map((item) => [item.text.trim(), item]));
  const llm = new OllamaProvider({
    host: 'http://127.0.0.1:11434',
    model: MODEL,
    keepAlive: '30m',
    limit: new Semaphore(1),
    fetch: instantOllama((request) => answerFor(byText.get(request.messages[1]?.content ?? ''))),
  });

  // Which cases the fast path decides (no model call at all).
  const plain = createEvalRouter({ llm, model: MODEL, timeoutMs: 5000 });
  const modelCases: RoutingCase[] = [];
  let fast = 0;
  const fastTimes: number[] = [];
  for (const item of cases) {
    let calls = 0;
    const ms = await time(async () => {
      calls = (await plain.route(messageOf(item.text))).llmCalls;
    });
    if (calls === 0) {
      fast += 1;
      fastTimes.push(ms);
    } else modelCases.push(item);
  }
  print('no_llm_share', (100 * fast) / cases.length, '%', { cases: cases.length });

  // Decisions that go through the model (cache off), after one warm-up round.
  const decisionTimes: number[] = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    for (const item of modelCases) {
      const ms = await time(() => plain.route(messageOf(item.text)));
      if (round > 0) decisionTimes.push(ms);
    }
  }
  print('decision_p50_ms', percentile(decisionTimes, 50), 'ms', { decisions: decisionTimes.length, target: 2 });
  print('decision_p99_ms', percentile(decisionTimes, 99), 'ms', { decisions: decisionTimes.length });

  // The same requests again with the cache on: every decision after the first round is a hit.
  const cached = createEvalRouter({ llm, model: MODEL, timeoutMs: 5000, cacheEntries: 2000 });
  const hitTimes: number[] = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    for (const item of modelCases) {
      const ms = await time(() => cached.route(messageOf(item.text)));
      if (round > 0) hitTimes.push(ms);
    }
  }
  print('cache_hit_p50_ms', percentile(hitTimes, 50), 'ms', { decisions: hitTimes.length, hits: cached.cacheStats().hits });
  print('fast_path_p50_ms', percentile(fastTimes, 50), 'ms', { decisions: fastTimes.length });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench router failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

// `npm run eval:router`: the labelled routing cases against a real Ollama at OLLAMA_HOST (or config
// ollama.host), and the rules fallback on the same cases without any model. Run compiled: node dist/bench/eval/router.js
import { parseConfig } from '../../core/config.js';
import { Semaphore } from '../../core/lib/semaphore.js';
import { OllamaProvider } from '../../core/llm/ollama.js';
import { absentModel, createEvalRouter, routeCase } from './eval-router.js';
import { type CaseResult, formatScore, loadRoutingCases, type RoutingCase, routingCasesPath, scoreRouting } from './routing-cases.js';

const PROBE_TIMEOUT_MS = 3000;

async function probe(host: string, model: string): Promise<string | undefined> {
  try {
    const response = await fetch(new URL('/api/tags', host), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    if (!response.ok) return `skipped: no Ollama at ${host}`;
    const tags = (await response.json()) as { models?: Array<{ name?: string; model?: string }> };
    const names = (tags.models ?? []).flatMap((m) => [m.name, m.model]);
    const wanted = model.includes(':') ? model : `${model}:latest`;
    if (!names.includes(wanted) && !names.includes(model)) return `skipped: Ollama at ${host} has no model ${model} (ollama pull ${model})`;
    return undefined;
  } catch {
    return `skipped: no Ollama at ${host}`;
  }
}

async function runAll(cases: RoutingCase[], route: (c: RoutingCase) => Promise<CaseResult>): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const item of cases) results.push(await route(item));
  return results;
}

function describeMisses(results: CaseResult[], nothingAs: string | null): string {
  const misses = results.filter((r) => (r.tool_name ?? nothingAs) !== r.expected.tool_name || r.handoff !== r.expected.handoff);
  return misses
    .slice(0, 25)
    .map(
      (r) =>
        `    ${JSON.stringify(r.expected.text.slice(0, 60))}: expected ${r.expected.tool_name}${r.expected.handoff ? '+handoff' : ''}, got ${r.tool_name ?? 'nothing'}${r.handoff ? '+handoff' : ''} (${r.source})`,
    )
    .join('\n');
}

async function main(): Promise<void> {
  const config = parseConfig({}).config;
  const host = process.env.OLLAMA_HOST || config.ollama.host;
  const model = process.env.PIE_BRAIN_ROUTER_MODEL || config.router.model;
  const verbose = process.argv.includes('--verbose');
  const cases = loadRoutingCases();
  process.stdout.write(`routing eval: ${cases.length} labelled requests from ${routingCasesPath()}\n\n`);

  const rules = createEvalRouter({ llm: absentModel, model, timeoutMs: 1000 });
  const ruleResults = await runAll(cases, (item) => routeCase(rules, item));
  process.stdout.write(`${formatScore('rules alone (no Ollama; "nothing fits" counted as chat)', scoreRouting(ruleResults, 'chat'))}\n`);
  // The rules were written while looking at the other cases; the holdout cases were added afterwards, untuned.
  const holdout = ruleResults.filter((r) => r.expected.tags.includes('holdout'));
  if (holdout.length) process.stdout.write(`${formatScore('rules alone, holdout cases only', scoreRouting(holdout, 'chat'))}\n`);
  if (verbose) process.stdout.write(`  misses:\n${describeMisses(ruleResults, 'chat')}\n`);
  process.stdout.write('\n');

  const skipped = await probe(host, model);
  if (skipped) {
    process.stdout.write(`${skipped}\n`);
    return;
  }
  const llm = new OllamaProvider({ host, model, keepAlive: config.router.keepAlive, limit: new Semaphore(1), timeoutMs: 120_000 });
  // The first call loads the model: a generous timeout, and the case is routed again so load time is not scored.
  const router = createEvalRouter({ llm, model, timeoutMs: 120_000 });
  const first = cases[0];
  if (first) await routeCase(router, first);
  const results = await runAll(cases, (item) => routeCase(router, item));
  process.stdout.write(`${formatScore(`ollama ${model} at ${host}`, scoreRouting(results))}\n`);
  if (verbose) process.stdout.write(`  misses:\n${describeMisses(results, null)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`eval:router failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** One labelled request of test/fixtures/routing-cases.jsonl. */
export const routingCaseSchema = z.object({
  text: z.string().min(1),
  tool_name: z.string().min(1),
  handoff: z.boolean(),
  tags: z.array(z.string()).default([]),
});
export type RoutingCase = z.infer<typeof routingCaseSchema>;

/** The fixture, found from the source tree (vitest) or from dist/ (the compiled eval). */
export function routingCasesPath(): string {
  const fromHere = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
  for (const candidate of ['../../test/fixtures/routing-cases.jsonl', '../../../test/fixtures/routing-cases.jsonl']) {
    if (existsSync(fromHere(candidate))) return fromHere(candidate);
  }
  throw new Error('test/fixtures/routing-cases.jsonl not found');
}

export function loadRoutingCases(path = routingCasesPath()): RoutingCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, index) => {
      const parsed = routingCaseSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`routing case ${index + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** What one routing run predicted for a case; `tool_name` null means nothing fitted. */
export interface CaseResult {
  expected: RoutingCase;
  tool_name: string | null;
  handoff: boolean;
  source: string;
  llmCalls: number;
  latencyMs: number;
}

export interface RoutingScore {
  cases: number;
  toolCorrect: number;
  handoffCorrect: number;
  perTool: Record<string, { cases: number; correct: number }>;
  medianLatencyMs: number;
  /** Cases the fast path (slash commands and sure rules) decided, and how many of those were right. */
  fastPath: { cases: number; correct: number };
}

function median(values: number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Score predictions against labels. `nothingAs` is what a null prediction counts as: with the rules alone
 * "nothing fits" is their way of saying "just chat" (the user then gets the list of what pie-brain can do).
 */
export function scoreRouting(results: CaseResult[], nothingAs: string | null = null): RoutingScore {
  const perTool: RoutingScore['perTool'] = {};
  let toolCorrect = 0;
  let handoffCorrect = 0;
  const fastPath = { cases: 0, correct: 0 };
  for (const result of results) {
    const label = result.expected.tool_name;
    const predicted = result.tool_name ?? nothingAs;
    const entry = perTool[label] ?? { cases: 0, correct: 0 };
    perTool[label] = entry;
    entry.cases += 1;
    if (predicted === label) {
      entry.correct += 1;
      toolCorrect += 1;
    }
    if (result.handoff === result.expected.handoff) handoffCorrect += 1;
    if (result.source === 'slash' || result.source === 'rules') {
      fastPath.cases += 1;
      if (predicted === label && result.handoff === result.expected.handoff) fastPath.correct += 1;
    }
  }
  return {
    cases: results.length,
    toolCorrect,
    handoffCorrect,
    perTool,
    medianLatencyMs: median(results.map((r) => r.latencyMs)),
    fastPath,
  };
}

const percent = (part: number, whole: number) => `${whole ? ((100 * part) / whole).toFixed(1) : '0.0'}%`;

export function formatScore(title: string, score: RoutingScore): string {
  const lines = [
    `${title}`,
    `  tool accuracy    ${percent(score.toolCorrect, score.cases)} (${score.toolCorrect}/${score.cases})`,
    `  handoff accuracy ${percent(score.handoffCorrect, score.cases)} (${score.handoffCorrect}/${score.cases})`,
    `  median latency   ${score.medianLatencyMs.toFixed(score.medianLatencyMs < 10 ? 3 : 0)} ms`,
    `  fast path        ${percent(score.fastPath.cases, score.cases)} of requests decided with no model, ${percent(score.fastPath.correct, score.fastPath.cases)} of those right`,
    '  per tool:',
  ];
  for (const [tool, entry] of Object.entries(score.perTool).sort()) {
    lines.push(`    ${tool.padEnd(10)} ${percent(entry.correct, entry.cases).padStart(6)} (${entry.correct}/${entry.cases})`);
  }
  return lines.join('\n');
}

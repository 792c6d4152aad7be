import { describe, expect, it } from 'vitest';
import { absentModel, createEvalRouter, routeCase } from '../../bench/eval/eval-router.js';
import { loadRoutingCases, scoreRouting } from '../../bench/eval/routing-cases.js';

const cases = loadRoutingCases();
const TOOLS = ['arxiv', 'memory', 'git', 'run_code', 'chat'];

describe('routing eval fixture', () => {
  it('has at least 120 labelled requests over every tool, with typos, other languages, ambiguity and injections', () => {
    expect(cases.length).toBeGreaterThanOrEqual(120);
    for (const item of cases) expect(TOOLS).toContain(item.tool_name);
    for (const tool of TOOLS) expect(cases.filter((c) => c.tool_name === tool).length).toBeGreaterThanOrEqual(10);
    const tags = cases.flatMap((c) => c.tags);
    expect(tags.filter((t) => t.startsWith('lang:')).length).toBeGreaterThanOrEqual(10);
    for (const tag of ['typo', 'ambiguous', 'injection', 'holdout']) expect(tags).toContain(tag);
    expect(cases.some((c) => c.handoff && c.tool_name === 'git')).toBe(true);
    expect(new Set(cases.map((c) => c.text)).size).toBe(cases.length);
  });

  it('scores the rules on every case; the fast path is never wrong and injections never reach a tool', async () => {
    const router = createEvalRouter({ llm: absentModel, model: 'none', timeoutMs: 1000 });
    const results = [];
    for (const item of cases) results.push(await routeCase(router, item));
    const score = scoreRouting(results, 'chat');
    expect(score.cases).toBe(cases.length);
    expect(Object.values(score.perTool).reduce((sum, entry) => sum + entry.cases, 0)).toBe(cases.length);
    expect(score.fastPath.correct).toBe(score.fastPath.cases);
    for (const result of results.filter((r) => r.expected.tags.includes('injection'))) {
      expect([null, 'chat']).toContain(result.tool_name);
      expect(result.handoff).toBe(false);
    }
  });
});

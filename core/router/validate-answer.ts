import type { z } from 'zod';
import { CHAT_TOOL, type RouteDecision, routeDecisionSchema } from '../contracts/route-decision.js';
import type { ToolRegistry } from '../engine/tool-registry.js';

export type AnswerCheck = { ok: true; decision: RouteDecision } | { ok: false; problem: string };

const REFUSAL = /\b(sorry|cannot|can't|unable|not able|as an ai|i won't)\b/i;

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(params)'}: ${issue.message}`)
    .join('; ');
}

/** The JSON object in a model's answer, tolerating code fences and chatter around it. */
export function extractJson(text: string): unknown {
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/```$/, '')
    .trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    const start = trimmed.indexOf('{');
    const end = trimmed.lastIndexOf('}');
    if (start < 0 || end <= start) throw new Error('no JSON object');
    return JSON.parse(trimmed.slice(start, end + 1));
  }
}

/**
 * Check a model's routing answer: JSON, the decision's shape, a known tool (or `chat`), and params that the
 * tool's own schema accepts. A failure says what was wrong in words the repair prompt can give back.
 */
export function checkAnswer(text: string, tools: ToolRegistry): AnswerCheck {
  let raw: unknown;
  try {
    raw = extractJson(text);
  } catch {
    const refusal = REFUSAL.test(text) ? ' (it reads like a refusal; routing a request is always allowed)' : '';
    return { ok: false, problem: `it is not a JSON object${refusal}` };
  }
  return checkDecision(raw, tools);
}

/**
 * Check one decision already parsed from JSON (a routing answer, a step of a plan): its shape, a known tool
 * (or `chat`), and params that the tool's own schema accepts.
 */
export function checkDecision(raw: unknown, tools: ToolRegistry): AnswerCheck {
  const parsed = routeDecisionSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: `the JSON does not have the right fields: ${describeIssues(parsed.error.issues)}` };
  const decision = parsed.data;
  const name = decision.tool_name.toLowerCase().replace(/-/g, '_');
  if (name === CHAT_TOOL) return { ok: true, decision: { ...decision, tool_name: CHAT_TOOL, params: {} } };
  const tool = tools.get(name) ?? tools.list().find((candidate) => candidate.name.toLowerCase().replace(/-/g, '_') === name);
  if (!tool) {
    const known = [...tools.list().map((t) => t.name), CHAT_TOOL].join(', ');
    return { ok: false, problem: `there is no tool "${decision.tool_name}" (the tools are: ${known})` };
  }
  const params = tool.params.safeParse(decision.params);
  if (!params.success) {
    return { ok: false, problem: `the params do not fit tool "${tool.name}": ${describeIssues(params.error.issues)}` };
  }
  return { ok: true, decision: { ...decision, tool_name: tool.name } };
}

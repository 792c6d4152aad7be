import { z } from 'zod';
import type { RouteDecision } from '../contracts/route-decision.js';
import type { ToolRegistry } from '../engine/tool-registry.js';
import { readsAsSteering } from '../router/rules.js';
import { checkDecision, extractJson } from '../router/validate-answer.js';

export type PlanCheck = { ok: true; steps: RouteDecision[] } | { ok: false; problem: string };

/** The plan's outer shape: a non-empty list of steps, each checked as a routing decision. */
const planSchema = z.object({ steps: z.array(z.unknown()).min(1) });

/**
 * Check a model's plan: a JSON object `{"steps": [...]}`, at most `maxSteps` steps, each a decision the
 * router would accept (a known tool or `chat`, params its own schema accepts), at most one cloud handoff
 * (a task has one cloud run: after a restart it is found again by its task), and no params that read as
 * instructions or shell commands. A failure says what was wrong in words the repair prompt can give back.
 */
export function checkPlan(text: string, tools: ToolRegistry, maxSteps: number): PlanCheck {
  let raw: unknown;
  try {
    raw = extractJson(text);
  } catch {
    return { ok: false, problem: 'it is not a JSON object' };
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: 'it needs the field "steps": a list of one or more steps' };
  const raws = parsed.data.steps;
  if (raws.length > maxSteps) return { ok: false, problem: `it has ${raws.length} steps; a plan has at most ${maxSteps}` };
  const steps: RouteDecision[] = [];
  for (const [index, step] of raws.entries()) {
    const checked = checkDecision(step, tools);
    if (!checked.ok) return { ok: false, problem: `step ${index + 1}: ${checked.problem}` };
    if (readsAsSteering(JSON.stringify(checked.decision.params))) {
      return { ok: false, problem: `step ${index + 1}: its params read like instructions or shell commands, which no step may carry` };
    }
    steps.push(checked.decision);
  }
  if (steps.filter((step) => step.handoff).length > 1) {
    return { ok: false, problem: 'more than one step hands off; a plan may hand at most one step to the cloud brain' };
  }
  return { ok: true, steps };
}

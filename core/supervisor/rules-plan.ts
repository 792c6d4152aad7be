import { CHAT_TOOL, type RouteDecision } from '../contracts/route-decision.js';
import type { ToolRegistry } from '../engine/tool-registry.js';
import { routeByRules } from '../router/rules.js';

/** A plan the rules wrote, and the parts of the goal they could not turn into a step, with why. */
export interface RulesPlan {
  steps: RouteDecision[];
  leftOut: string[];
}

const TITLE_CHARS = 80;
// Where one part of a goal ends and the next begins: lines, semicolons, "then", "after that".
const SEPARATOR = /\n+|;\s*|,?\s+(?:and\s+)?then\s+|,?\s+(?:and\s+)?after\s+that,?\s+/i;
const LIST_MARKER = /^(?:\d+[.)]|[-*•])\s+/;
const LEAD_WORD = /^(?:first|next|finally|also|and|then)\b[\s,:]*/i;

/** The parts of a goal, in order: "search my notes for X; then sync the repo" is two. */
export function goalParts(goal: string): string[] {
  return goal
    .split(SEPARATOR)
    .map((part) => part.trim().replace(LIST_MARKER, '').replace(LEAD_WORD, '').trim())
    .filter((part) => /[\p{L}\p{N}]/u.test(part));
}

function title(part: string): string {
  return part.length > TITLE_CHARS ? `${part.slice(0, TITLE_CHARS - 3)}...` : part;
}

/**
 * The plan when the local model is down or keeps writing bad plans: each part of the goal becomes the step
 * the routing rules pick for it. A part that only the model could answer (chat) is left out, as are a
 * second cloud handoff and parts past the step limit: the reply says which.
 */
export function planByRules(goal: string, tools: ToolRegistry, maxSteps: number): RulesPlan {
  const steps: RouteDecision[] = [];
  const leftOut: string[] = [];
  for (const part of goalParts(goal)) {
    const decision = routeByRules(part, tools, 'fallback');
    if (!decision || (decision.tool_name === CHAT_TOOL && !decision.handoff)) {
      leftOut.push(`"${title(part)}" (no rule fits it)`);
    } else if (decision.handoff && steps.some((step) => step.handoff)) {
      leftOut.push(`"${title(part)}" (a plan hands at most one step to the cloud brain)`);
    } else if (steps.length >= maxSteps) {
      leftOut.push(`"${title(part)}" (past the limit of ${maxSteps} steps)`);
    } else {
      steps.push({ ...decision, reason: title(part) });
    }
  }
  return { steps, leftOut };
}

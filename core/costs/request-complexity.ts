import type { Complexity, RequestProfile } from '../contracts/model-choice.js';

const LONG_CHARS = 600;
const VERY_LONG_CHARS = 3000;

// Work that needs a strong model, in the route's reason (the routing model's words or a rule's name).
const HEAVY_REASON =
  /\b(cod(e|ing)|refactor|implement|debug|analy[sz]\w*|in-depth|detailed|thorough|essay|report|review|plan|proof|math\w*|reason(ing)?|long|heavy-work|coding-handoff)\b/i;
// Tools whose work is code or a repository.
const CODE_TOOLS = new Set(['git', 'run_code']);
const CODE_FENCE = /```/;

export interface ComplexityAssessment {
  level: Complexity;
  /** What counted, in words a ledger reader understands. */
  signals: string[];
}

/**
 * How demanding a request is, from what the router decided (tool, handoff, reason) and its length: each
 * signal adds a point; none is light, one or two standard, three or more heavy. The text is only measured,
 * never read for instructions: a request cannot name its own model.
 */
export function assessComplexity(profile: Pick<RequestProfile, 'text' | 'tool' | 'reason' | 'handoff'>): ComplexityAssessment {
  const signals: string[] = [];
  let points = 0;
  const chars = profile.text.trim().length;
  if (chars >= VERY_LONG_CHARS) {
    points += 2;
    signals.push(`${chars.toLocaleString('en-US')} chars`);
  } else if (chars >= LONG_CHARS) {
    points += 1;
    signals.push(`${chars.toLocaleString('en-US')} chars`);
  }
  if (profile.handoff) {
    points += 2;
    signals.push('handed off');
  }
  if (profile.tool && CODE_TOOLS.has(profile.tool)) {
    points += 1;
    signals.push(`tool ${profile.tool}`);
  }
  const heavy = profile.reason ? HEAVY_REASON.exec(profile.reason) : null;
  if (heavy) {
    points += 1;
    signals.push(`reason: ${heavy[0].toLowerCase()}`);
  }
  if (CODE_FENCE.test(profile.text)) {
    points += 1;
    signals.push('code block');
  }
  const level: Complexity = points === 0 ? 'light' : points <= 2 ? 'standard' : 'heavy';
  if (signals.length === 0) signals.push(`${chars.toLocaleString('en-US')} chars`);
  return { level, signals };
}

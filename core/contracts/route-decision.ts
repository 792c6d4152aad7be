import { z } from 'zod';

/** The pseudo-tool for free conversation answered by the local model. */
export const CHAT_TOOL = 'chat';

/**
 * What the router decides for one request: which tool (or `chat`), with which params (validated with that
 * tool's own schema), whether the work goes to a cloud brain, and why. Lenient on what the model may omit.
 */
export const routeDecisionSchema = z.object({
  tool_name: z.string().trim().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  handoff: z.boolean().default(false),
  reason: z.string().default(''),
});
export type RouteDecision = z.infer<typeof routeDecisionSchema>;

/**
 * Where a decision came from: a fast path (no model), the cache, the model, the rules after the model failed,
 * or a step of a plan (/plan).
 */
export type RouteSource = 'slash' | 'rules' | 'cache' | 'model' | 'model-repaired' | 'fallback' | 'plan';

/** A decision, or null when nothing fits (the user is then told what pie-brain can do). */
export interface RouteOutcome {
  decision: RouteDecision | null;
  source: RouteSource;
  /** Model calls made for this decision (0, 1 or 2). */
  llmCalls: number;
  durationMs: number;
  /** Why the model's answer was not used, when it was not. */
  problem?: string;
  /** The route cache key a cached decision was found under (its recording, for replay). */
  cacheKey?: string;
}

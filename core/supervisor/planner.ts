import type { RouteDecision } from '../contracts/route-decision.js';
import type { ToolRegistry } from '../engine/tool-registry.js';
import { isPieBrainError } from '../errors.js';
import type { LlmProvider } from '../llm/provider.js';
import type { Logger } from '../logger.js';
import type { Catalog } from '../router/catalog.js';
import type { ModelHealth } from '../router/model-health.js';
import { checkPlan } from './plan-check.js';
import type { PlanNote } from './plan-context.js';
import { planAnswerTokens, planFormat, planMessages, repairPlanMessages } from './plan-prompt.js';
import { planByRules } from './rules-plan.js';

export interface PlannerOptions {
  tools: ToolRegistry;
  /** The local model: one inference at a time, every call in the ledger. */
  llm: LlmProvider;
  /** The router's view of the model: a model that is down is not waited on, and admins hear of it once. */
  health: ModelHealth;
  /** The routing prompt's system prefix and num_ctx: the same for planning, so Ollama keeps its cache. */
  prefix: () => { text: string; contextTokens: number };
  catalog: () => Catalog;
  model: string;
  /** Longer than this and the rules plan instead (config plan.timeoutSeconds). */
  timeoutMs: number;
  /** config plan.maxSteps. */
  maxSteps: number;
  logger: Logger;
}

/** Who wrote a plan: the model at once, the model after one repair, or the routing rules. */
export type PlanSource = 'model' | 'model-repaired' | 'rules';

export interface Plan {
  steps: RouteDecision[];
  source: PlanSource;
  llmCalls: number;
  /** Why the model's plan was not used, and what the rules left out. */
  problem?: string;
}

// The model is not answering (as opposed to answering badly): the rules plan, the admins are told.
const OUTAGE_CODES = new Set(['LLM_UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED', 'NETWORK']);

/**
 * Writes a plan for a goal: the local model with a JSON-schema constrained answer (one repair attempt), the
 * answer checked step by step like a routing decision; the routing rules, one part of the goal at a time,
 * when the model is down, too slow, or keeps answering badly. Never throws for bad model output.
 */
export class Planner {
  constructor(private readonly options: PlannerOptions) {}

  async plan(goal: string, notes: readonly PlanNote[], call: { taskId: number; signal: AbortSignal }): Promise<Plan> {
    const { health, maxSteps } = this.options;
    if (!health.shouldTry()) return this.byRules(goal, 0, 'the local model is down');
    const prefix = this.options.prefix();
    let messages = planMessages(prefix.text, maxSteps, goal, notes);
    let problem = '';
    for (let attempt = 0; attempt < 2; attempt += 1) {
      let text: string;
      try {
        text = await this.ask(messages, prefix.contextTokens, call);
      } catch (error) {
        if (call.signal.aborted) throw call.signal.reason;
        const code = isPieBrainError(error) ? error.code : 'INTERNAL';
        const reason = error instanceof Error ? error.message : String(error);
        if (OUTAGE_CODES.has(code)) health.failed(reason);
        this.options.logger.warn({ code, reason, taskId: call.taskId }, 'the planning model failed; the rules plan');
        return this.byRules(goal, attempt + 1, `the local model could not plan (${reason})`);
      }
      health.succeeded();
      const checked = checkPlan(text, this.options.tools, maxSteps);
      if (checked.ok) return { steps: checked.steps, source: attempt === 0 ? 'model' : 'model-repaired', llmCalls: attempt + 1 };
      problem = checked.problem;
      this.options.logger.info({ problem, taskId: call.taskId, attempt }, 'the planning model wrote a bad plan');
      messages = repairPlanMessages(prefix.text, maxSteps, goal, notes, text, problem);
    }
    return this.byRules(goal, 2, `the local model's plan could not be used (${problem})`);
  }

  private byRules(goal: string, llmCalls: number, why: string): Plan {
    const { steps, leftOut } = planByRules(goal, this.options.tools, this.options.maxSteps);
    const left = leftOut.length ? `; left out: ${leftOut.join(', ')}` : '';
    return { steps, source: 'rules', llmCalls, problem: `${why}, so the rules planned it${left}` };
  }

  private async ask(messages: ReturnType<typeof planMessages>, contextTokens: number, call: { taskId: number; signal: AbortSignal }) {
    const answer = await this.options.llm.chat({
      messages,
      model: this.options.model,
      format: planFormat(this.options.catalog(), this.options.maxSteps),
      temperature: 0,
      contextTokens,
      maxTokens: planAnswerTokens(this.options.maxSteps),
      timeoutMs: this.options.timeoutMs,
      purpose: 'plan',
      taskId: call.taskId,
      signal: call.signal,
    });
    return answer.text;
  }
}

import type { Outbox } from '../../storage/outbox.js';
import type { TaskQueue } from '../../storage/queue.js';
import { missingPrivileges, userKey } from '../access.js';
import type { Reply } from '../contracts/messages.js';
import type { RouteDecision } from '../contracts/route-decision.js';
import type { TaskContext } from '../contracts/task.js';
import { listFailures } from '../costs/model-failures.js';
import { describeForUser, isPieBrainError, PieBrainError } from '../errors.js';
import type { PaidChat } from '../llm/paid-chat.js';
import type { LlmMessage, LlmProvider } from '../llm/provider.js';
import type { ModelHealth } from './model-health.js';

export interface ChatResponderOptions {
  llm: LlmProvider;
  /**
   * The routing prompt's system prefix and num_ctx: chat starts with the very same system message and
   * context size, so Ollama keeps its KV cache between routing and chat and never reloads the model.
   */
  prefix: () => { text: string; contextTokens: number };
  queue: TaskQueue;
  outbox: Outbox;
  model: string;
  /** Earlier turns of the thread given as context (config router.historyTurns). */
  historyTurns: number;
  health?: ModelHealth;
  /** Longest answer, in tokens. */
  maxTokens?: number;
  /**
   * Chat in the cloud when the local model is down (config router.cloudChat): a paid model answers users who
   * hold `spend`, within the budgets. Absent: the local model only.
   */
  cloud?: PaidChat;
  /** The user's prefs (user_prefs.md): the cloud's system prompt, without the routing instructions. */
  prefs?: () => string;
}

// What the local model's failure looks like when it is down, not answering badly.
const OUTAGE_CODES = new Set(['LLM_UNAVAILABLE', 'TIMEOUT', 'NETWORK']);
// A model that has not answered by then is treated as down: the next one of the chain gets the request.
const CLOUD_TIMEOUT_MS = 60_000;
const CLOUD_SYSTEM = 'You are pie-brain, a personal assistant. Answer briefly and plainly, in the language of the request.';

const MAX_TURN_CHARS = 1500;

function clip(text: string): string {
  return text.length > MAX_TURN_CHARS ? `${text.slice(0, MAX_TURN_CHARS)} [...]` : text;
}

/**
 * `chat`: free conversation answered by the local model, with the shared system prefix (the user's prefs
 * first) and the last few turns of the same thread (requests from the queue, replies from the outbox).
 */
export class ChatResponder {
  constructor(private readonly options: ChatResponderOptions) {}

  /** Earlier (request, reply) pairs of the thread, oldest first; commands and unanswered tasks are left out. */
  history(ctx: TaskContext): LlmMessage[] {
    const { queue, outbox, historyTurns } = this.options;
    if (historyTurns <= 0) return [];
    const earlier = queue.recent(ctx.address, historyTurns * 2, ctx.task.id).reverse();
    const turns: LlmMessage[][] = [];
    for (const task of earlier) {
      if (task.requestText.trim().startsWith('/')) continue;
      const reply = outbox.forTask(task.id).find((row) => row.kind === 'reply');
      const text = (reply?.body as Reply | undefined)?.text;
      if (!text) continue;
      turns.push([
        { role: 'user', content: clip(task.requestText) },
        { role: 'assistant', content: clip(text) },
      ]);
    }
    return turns.slice(-historyTurns).flat();
  }

  /**
   * Whether a paid model may answer this user's chat now: cloud chat is on, the local model is known to be
   * down, and the user holds `spend`. Nobody else ever reaches a paid model through chat.
   */
  answersInCloud(ctx: Pick<TaskContext, 'actor'>): boolean {
    const { cloud, health } = this.options;
    return cloud !== undefined && health?.down === true && missingPrivileges(ctx.actor, ['spend']).length === 0;
  }

  async answer(ctx: TaskContext, decision?: RouteDecision): Promise<Reply> {
    const { llm, model, health } = this.options;
    const { text: system, contextTokens } = this.options.prefix();
    const maxTokens = this.options.maxTokens ?? 512;
    const current: LlmMessage = { role: 'user', content: ctx.message.text };
    let history = this.history(ctx);
    // Drop the oldest turns until the conversation fits the context (about 3 characters per token).
    const budget = (contextTokens - maxTokens) * 3 - system.length - current.content.length;
    while (history.length && history.reduce((sum, m) => sum + m.content.length, 0) > budget) history = history.slice(2);
    // Known down and not due for another try: do not make the user wait on it.
    if (this.answersInCloud(ctx) && !health?.shouldTry()) {
      return this.answerInCloud(ctx, [...history, current], decision, 'The local model is down');
    }
    try {
      const answer = await llm.chat({
        messages: [{ role: 'system', content: system }, ...history, current],
        model,
        contextTokens,
        maxTokens,
        purpose: 'chat',
        taskId: ctx.task.id,
        signal: ctx.signal,
      });
      health?.succeeded();
      const text = answer.text.trim();
      return { text: text || 'I have nothing to add to that.' };
    } catch (error) {
      if (!isPieBrainError(error) || !OUTAGE_CODES.has(error.code) || ctx.signal.aborted) throw error;
      if (error.code === 'LLM_UNAVAILABLE') health?.failed(error.message);
      if (!this.answersInCloud(ctx)) throw error;
      return this.answerInCloud(ctx, [...history, current], decision, 'The local model is not answering');
    }
  }

  /** A paid model answers, chosen for the request; the reply says why it was not the local model, and any failover. */
  private async answerInCloud(ctx: TaskContext, turns: LlmMessage[], decision: RouteDecision | undefined, why: string): Promise<Reply> {
    const cloud = this.options.cloud as PaidChat;
    const prefs = this.options.prefs?.().trim();
    const system = prefs ? `${prefs}\n\n${CLOUD_SYSTEM}` : CLOUD_SYSTEM;
    const answer = await cloud
      .answer(
        {
          messages: [{ role: 'system', content: system }, ...turns],
          purpose: 'cloud chat',
          taskId: ctx.task.id,
          signal: ctx.signal,
          timeoutMs: CLOUD_TIMEOUT_MS,
          // A user granted spend pays out of their share of the budget; admins out of the whole.
          ...(ctx.actor.budgetShare !== null ? { spender: { key: userKey(ctx.actor), share: ctx.actor.budgetShare } } : {}),
        },
        {
          text: ctx.message.text,
          tool: decision?.tool_name ?? 'chat',
          reason: decision?.reason,
          handoff: false,
          maxOutputTokens: this.options.maxTokens ?? 512,
        },
      )
      .catch((error: unknown) => {
        if (!isPieBrainError(error) || ctx.signal.aborted) throw error;
        // Same code (a budget refusal is final, a busy model is retried), with the reason a paid model was asked.
        throw new PieBrainError(error.code, error.message, {
          cause: error,
          ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
          userMessage: `${why}, and no paid model could take over: ${describeForUser(error)}`,
        });
      });
    ctx.trace('model-chosen', {
      data: {
        model: answer.model,
        why: answer.plan.why,
        failures: answer.failures.map((f) => f.model),
        cached: answer.response.cached ?? false,
      },
    });
    const after = answer.failures.length ? `, after ${listFailures(answer.failures)}` : '';
    const cached = answer.response.cached ? ' (from the response cache, at no cost)' : '';
    const text = answer.response.text.trim() || 'I have nothing to add to that.';
    return { text: `_${why}, so ${answer.model} answered${after}${cached}._\n\n${text}` };
  }
}

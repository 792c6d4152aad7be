import type { Outbox } from '../../storage/outbox.js';
import type { TaskQueue } from '../../storage/queue.js';
import type { Reply } from '../contracts/messages.js';
import type { TaskContext } from '../contracts/task.js';
import { isPieBrainError } from '../errors.js';
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
}

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

  async answer(ctx: TaskContext): Promise<Reply> {
    const { llm, model, health } = this.options;
    const { text: system, contextTokens } = this.options.prefix();
    const maxTokens = this.options.maxTokens ?? 512;
    const current: LlmMessage = { role: 'user', content: ctx.message.text };
    let history = this.history(ctx);
    // Drop the oldest turns until the conversation fits the context (about 3 characters per token).
    const budget = (contextTokens - maxTokens) * 3 - system.length - current.content.length;
    while (history.length && history.reduce((sum, m) => sum + m.content.length, 0) > budget) history = history.slice(2);
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
      if (isPieBrainError(error) && error.code === 'LLM_UNAVAILABLE' && !ctx.signal.aborted) health?.failed(error.message);
      throw error;
    }
  }
}

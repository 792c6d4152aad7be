import type { Outbox } from '../../storage/outbox.js';
import type { TaskQueue } from '../../storage/queue.js';
import type { TaskContext } from '../engine.js';
import { isPieBrainError } from '../errors.js';
import type { LlmMessage, LlmProvider } from '../llm/provider.js';
import type { Reply } from '../messages.js';
import type { ModelHealth } from './model-health.js';
import type { PrefsFile } from './prefs.js';

export interface ChatResponderOptions {
  llm: LlmProvider;
  prefs: PrefsFile;
  queue: TaskQueue;
  outbox: Outbox;
  model: string;
  /** Earlier turns of the thread given as context (config router.historyTurns). */
  historyTurns: number;
  /** The routing num_ctx: the same value for chat, because a different num_ctx makes Ollama reload the model. */
  contextTokens: () => number;
  health?: ModelHealth;
  /** Longest answer, in tokens. */
  maxTokens?: number;
}

const PERSONA = `You are pie-brain, the user's personal assistant running on their Raspberry Pi. Answer in the language of the user's last message, briefly and in plain Markdown. If you do not know something, say so. You cannot browse the web; for papers, notes, repositories and code the user can ask you directly ("find papers on ...", "remember that ...").`;

const MAX_TURN_CHARS = 1500;

function clip(text: string): string {
  return text.length > MAX_TURN_CHARS ? `${text.slice(0, MAX_TURN_CHARS)} [...]` : text;
}

/**
 * `chat`: free conversation answered by the local model, with the user's prefs first and the last few
 * turns of the same thread (requests from the queue, replies from the outbox) as context.
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
    const { llm, prefs, model, health } = this.options;
    const profile = prefs.read().text;
    const system = `# About the user\n${profile || '(nothing written yet)'}\n\n# You\n${PERSONA}`;
    const contextTokens = this.options.contextTokens();
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

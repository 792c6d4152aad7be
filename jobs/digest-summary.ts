import type { Paper } from '../core/contracts/papers.js';
import type { LlmProvider } from '../core/llm/provider.js';

/**
 * A one-line summary of a paper by the local model, for the digest (config jobs.digest.summaries). The
 * model sees only the title and abstract; its answer is cut to one line.
 */
export function createPaperSummarizer(llm: LlmProvider): (paper: Paper, signal: AbortSignal) => Promise<{ text: string; tokens: number }> {
  return async (paper, signal) => {
    const response = await llm.chat({
      messages: [
        { role: 'system', content: 'You summarise research papers in one plain sentence of at most 25 words.' },
        { role: 'user', content: `Title: ${paper.title}\n\nAbstract: ${paper.abstract}\n\nOne sentence: what does it do?` },
      ],
      temperature: 0,
      maxTokens: 60,
      signal,
      purpose: 'digest summary',
    });
    const line = response.text.replace(/\s+/g, ' ').trim().slice(0, 240);
    return { text: line, tokens: response.usage.inputTokens + response.usage.outputTokens };
  };
}

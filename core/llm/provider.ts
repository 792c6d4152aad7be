import type { ModelChoiceNote } from '../contracts/model-choice.js';

/**
 * The LLM provider specification (version 1). Ollama and Anthropic implement it in core/llm/;
 * everything that talks to a model goes through it so usage, latency and cost are always known.
 */
export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: LlmMessage[];
  /** Defaults to the provider's configured model. */
  model?: string;
  /** A JSON schema the answer must follow (structured outputs). */
  format?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
  /** Context window to allocate (Ollama num_ctx). */
  contextTokens?: number;
  signal?: AbortSignal;
  /** Bound on the call itself, counted from when it starts (not from when it waited for its turn). */
  timeoutMs?: number;
  /** Why this call is made; recorded with paid calls. */
  purpose?: string;
  /** Why this model was chosen (paid calls): the ledger row keeps it next to the purpose. */
  choice?: ModelChoiceNote;
  /** The user whose share of the budget a paid call counts against (config access.grants); absent for admins and jobs. */
  spender?: { key: string; share: number };
  taskId?: number | null;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** Set when the provider reported no usage and the numbers are estimates. */
  estimated?: boolean;
  /** Time spent evaluating the prompt, when the provider says (Ollama prompt_eval_duration). */
  promptEvalMs?: number;
  evalMs?: number;
  loadMs?: number;
}

export interface ChatResponse {
  text: string;
  model: string;
  usage: LlmUsage;
  latencyMs: number;
  costUsd: number;
  /** Answered from the response cache: no call was made and nothing was spent. */
  cached?: boolean;
}

export interface LlmProvider {
  readonly specificationVersion: 'v1';
  readonly name: string;
  /** True for providers that run on the Pi and cost nothing. */
  readonly local: boolean;
  chat(request: ChatRequest): Promise<ChatResponse>;
}

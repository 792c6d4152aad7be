// The models pie-brain knows by name: limits and capabilities are ours (from each vendor's model pages);
// prices come from @pydantic/genai-prices (by `pricesId`) or, for local models, are $0 by definition.

export type Capability = 'text' | 'vision' | 'tools' | 'json' | 'reasoning' | 'caching' | 'code' | 'embedding' | 'long-context';

export interface CatalogEntry {
  /** Our canonical id (what config and the ledger use). */
  id: string;
  /** anthropic, openai, google, mistral, deepseek, ollama. */
  provider: string;
  name: string;
  /** The model id inside @pydantic/genai-prices; absent for local models. */
  pricesId?: string;
  aliases?: readonly string[];
  contextWindow: number;
  maxOutput: number;
  capabilities: readonly Capability[];
  /** 1 to 10: our rough ranking for quality-optimal selection (not a benchmark score). */
  quality: number;
}

/** When a vendor stops serving a model; calls to it fail from that day on. */
export interface Retirement {
  /** YYYY-MM-DD (UTC): the first day the model no longer answers. */
  retiresOn: string;
  /** The current model to move to. */
  replacement: string;
}

/**
 * Retirement dates by catalog id, from Anthropic's model-deprecations page (and, for Sonnet 4.5, the
 * date @anthropic-ai/sdk itself warns about). A model with a date is deprecated until then, retired after.
 */
export const MODEL_RETIREMENTS: Readonly<Record<string, Retirement>> = {
  'claude-sonnet-4-5': { retiresOn: '2026-11-30', replacement: 'claude-sonnet-5' },
  'claude-3-7-sonnet': { retiresOn: '2026-02-19', replacement: 'claude-sonnet-5' },
  'claude-3-5-sonnet': { retiresOn: '2025-10-22', replacement: 'claude-sonnet-5' },
  'claude-3-opus': { retiresOn: '2026-01-05', replacement: 'claude-opus-4-5' },
};

/** The Anthropic model pie-brain uses when config names none: current, priced, not deprecated. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5';

const CLAUDE: readonly Capability[] = ['text', 'vision', 'tools', 'json', 'caching', 'code'];
const CLAUDE_THINKING: readonly Capability[] = [...CLAUDE, 'reasoning'];
const OPENAI: readonly Capability[] = ['text', 'vision', 'tools', 'json', 'caching', 'code'];
const OPENAI_REASONING: readonly Capability[] = [...OPENAI, 'reasoning'];
const GEMINI: readonly Capability[] = ['text', 'vision', 'tools', 'json', 'caching', 'code', 'long-context'];
const OLLAMA_CHAT: readonly Capability[] = ['text', 'json'];

function cloud(
  id: string,
  provider: string,
  name: string,
  pricesId: string,
  contextWindow: number,
  maxOutput: number,
  capabilities: readonly Capability[],
  quality: number,
  aliases: readonly string[] = [],
): CatalogEntry {
  return { id, provider, name, pricesId, aliases, contextWindow, maxOutput, capabilities, quality };
}

function local(
  id: string,
  name: string,
  contextWindow: number,
  maxOutput: number,
  capabilities: readonly Capability[],
  quality: number,
): CatalogEntry {
  return { id, provider: 'ollama', name, contextWindow, maxOutput, capabilities, quality };
}

/** (id, provider, name, genai-prices id, context window, max output, capabilities, quality, aliases) */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  // Anthropic: limits from docs.claude.com "Models overview".
  cloud('claude-opus-4-5', 'anthropic', 'Claude Opus 4.5', 'claude-opus-4-5', 200_000, 64_000, CLAUDE_THINKING, 10),
  cloud('claude-opus-4-1', 'anthropic', 'Claude Opus 4.1', 'claude-opus-4-1', 200_000, 32_000, CLAUDE_THINKING, 9),
  cloud('claude-opus-4-0', 'anthropic', 'Claude Opus 4', 'claude-opus-4-0', 200_000, 32_000, CLAUDE_THINKING, 8, [
    'claude-opus-4',
    'claude-4-opus',
  ]),
  cloud('claude-sonnet-5', 'anthropic', 'Claude Sonnet 5', 'claude-sonnet-5', 1_000_000, 64_000, CLAUDE_THINKING, 10),
  cloud('claude-sonnet-4-6', 'anthropic', 'Claude Sonnet 4.6', 'claude-sonnet-4-6', 200_000, 64_000, CLAUDE_THINKING, 9),
  cloud('claude-sonnet-4-5', 'anthropic', 'Claude Sonnet 4.5', 'claude-sonnet-4-5', 200_000, 64_000, CLAUDE_THINKING, 9),
  cloud('claude-sonnet-4-0', 'anthropic', 'Claude Sonnet 4', 'claude-sonnet-4-0', 200_000, 64_000, CLAUDE_THINKING, 8, [
    'claude-sonnet-4',
    'claude-4-sonnet',
  ]),
  cloud('claude-3-7-sonnet', 'anthropic', 'Claude 3.7 Sonnet', 'claude-3-7-sonnet-latest', 200_000, 64_000, CLAUDE_THINKING, 7, [
    'claude-3.7-sonnet',
  ]),
  cloud('claude-3-5-sonnet', 'anthropic', 'Claude 3.5 Sonnet', 'claude-3-5-sonnet', 200_000, 8192, CLAUDE, 6, ['claude-3.5-sonnet']),
  cloud('claude-haiku-4-5', 'anthropic', 'Claude Haiku 4.5', 'claude-haiku-4-5', 200_000, 64_000, CLAUDE_THINKING, 6),
  cloud('claude-3-5-haiku', 'anthropic', 'Claude 3.5 Haiku', 'claude-3-5-haiku-latest', 200_000, 8192, CLAUDE, 4, ['claude-3.5-haiku']),
  cloud('claude-3-opus', 'anthropic', 'Claude 3 Opus', 'claude-3-opus-latest', 200_000, 4096, CLAUDE, 6),
  cloud('claude-3-haiku', 'anthropic', 'Claude 3 Haiku', 'claude-3-haiku', 200_000, 4096, CLAUDE, 3),
  // OpenAI: limits from platform.openai.com/docs/models.
  cloud('gpt-5', 'openai', 'GPT-5', 'gpt-5', 400_000, 128_000, OPENAI_REASONING, 9),
  cloud('gpt-5-mini', 'openai', 'GPT-5 mini', 'gpt-5-mini', 400_000, 128_000, OPENAI_REASONING, 7),
  cloud('gpt-4.1', 'openai', 'GPT-4.1', 'gpt-4.1', 1_047_576, 32_768, [...OPENAI, 'long-context'], 7),
  cloud('gpt-4.1-mini', 'openai', 'GPT-4.1 mini', 'gpt-4.1-mini', 1_047_576, 32_768, [...OPENAI, 'long-context'], 5),
  cloud('gpt-4.1-nano', 'openai', 'GPT-4.1 nano', 'gpt-4.1-nano', 1_047_576, 32_768, [...OPENAI, 'long-context'], 3),
  cloud('gpt-4o', 'openai', 'GPT-4o', 'gpt-4o', 128_000, 16_384, OPENAI, 6),
  cloud('gpt-4o-mini', 'openai', 'GPT-4o mini', 'gpt-4o-mini', 128_000, 16_384, OPENAI, 4),
  cloud('o1', 'openai', 'o1', 'o1', 200_000, 100_000, OPENAI_REASONING, 7),
  cloud('o3', 'openai', 'o3', 'o3', 200_000, 100_000, OPENAI_REASONING, 9),
  cloud('o3-mini', 'openai', 'o3-mini', 'o3-mini', 200_000, 100_000, ['text', 'tools', 'json', 'caching', 'code', 'reasoning'], 6),
  cloud('o4-mini', 'openai', 'o4-mini', 'o4-mini', 200_000, 100_000, OPENAI_REASONING, 7),
  // Google: limits from ai.google.dev/gemini-api/docs/models.
  cloud('gemini-2.5-pro', 'google', 'Gemini 2.5 Pro', 'gemini-2.5-pro', 1_048_576, 65_536, [...GEMINI, 'reasoning'], 9),
  cloud('gemini-2.5-flash', 'google', 'Gemini 2.5 Flash', 'gemini-2.5-flash', 1_048_576, 65_536, [...GEMINI, 'reasoning'], 6),
  cloud('gemini-2.5-flash-lite', 'google', 'Gemini 2.5 Flash-Lite', 'gemini-2.5-flash-lite', 1_048_576, 65_536, GEMINI, 4),
  cloud('gemini-2.0-flash', 'google', 'Gemini 2.0 Flash', 'gemini-2.0-flash', 1_048_576, 8192, GEMINI, 4),
  // Mistral documents one window for input and output together, so the output limit is the window.
  cloud('mistral-large-latest', 'mistral', 'Mistral Large', 'mistral-large', 131_072, 131_072, ['text', 'tools', 'json', 'code'], 6, [
    'mistral-large',
  ]),
  cloud(
    'mistral-small-latest',
    'mistral',
    'Mistral Small',
    'mistral-small-latest',
    131_072,
    131_072,
    ['text', 'vision', 'tools', 'json'],
    4,
    ['mistral-small'],
  ),
  cloud('codestral-latest', 'mistral', 'Codestral', 'codestral', 256_000, 256_000, ['text', 'code'], 5, ['codestral']),
  // DeepSeek: api-docs.deepseek.com (chat: 8K output; reasoner: 64K output including its reasoning).
  cloud('deepseek-chat', 'deepseek', 'DeepSeek Chat', 'deepseek-chat', 64_000, 8192, ['text', 'tools', 'json', 'caching', 'code'], 6),
  cloud(
    'deepseek-reasoner',
    'deepseek',
    'DeepSeek Reasoner',
    'deepseek-reasoner',
    64_000,
    65_536,
    ['text', 'json', 'caching', 'code', 'reasoning'],
    7,
  ),
  // Local models through Ollama: $0 by definition (the Pi's electricity is not metered here).
  local('qwen2.5:1.5b', 'Qwen2.5 1.5B', 32_768, 8192, OLLAMA_CHAT, 2),
  local('qwen2.5:0.5b', 'Qwen2.5 0.5B', 32_768, 8192, OLLAMA_CHAT, 1),
  local('qwen2.5:3b', 'Qwen2.5 3B', 32_768, 8192, OLLAMA_CHAT, 2),
  local('llama3.2:1b', 'Llama 3.2 1B', 131_072, 8192, OLLAMA_CHAT, 1),
  local('llama3.2:3b', 'Llama 3.2 3B', 131_072, 8192, [...OLLAMA_CHAT, 'tools'], 2),
  local('gemma3:1b', 'Gemma 3 1B', 32_768, 8192, OLLAMA_CHAT, 1),
  local('nomic-embed-text', 'Nomic Embed Text', 8192, 0, ['embedding'], 1),
];

/** Providers whose models run on the Pi. */
export const LOCAL_PROVIDERS: ReadonlySet<string> = new Set(['ollama', 'local', 'transformers']);

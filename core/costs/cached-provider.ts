import { createHash } from 'node:crypto';
import type { SqliteResponseCache } from '../../storage/response-cache.js';
import type { EventBus } from '../engine/events.js';
import { type Clock, systemClock } from '../lib/clock.js';
import type { ChatRequest, ChatResponse, LlmProvider } from '../llm/provider.js';

declare module '../engine/events.js' {
  interface EventMap {
    'llm-cache-hit': { taskId: number | null; provider: string; model: string; tokensSaved: number; costSavedUsd: number };
  }
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, stable(v)]),
    );
  }
  return value;
}

/**
 * The cache key of a request: a SHA-256 of everything that shapes the answer (provider, model, messages,
 * schema, sampling, limits), with object keys sorted so the same request always hashes the same.
 * Task ids, purposes and signals are left out: they do not change the answer.
 */
export function responseCacheKey(provider: string, request: ChatRequest): string {
  const shape = {
    v: 1,
    provider,
    model: request.model ?? null,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    format: request.format ?? null,
    temperature: request.temperature ?? null,
    maxTokens: request.maxTokens ?? null,
    contextTokens: request.contextTokens ?? null,
  };
  return createHash('sha256')
    .update(JSON.stringify(stable(shape)))
    .digest('hex');
}

/** Only temperature-0 calls are deterministic enough to answer from a cache. */
export function isDeterministic(request: ChatRequest): boolean {
  return request.temperature === 0;
}

/**
 * An LlmProvider that answers repeated deterministic requests from SQLite. A hit costs $0 and no
 * latency; it is counted (tokens and dollars saved) and announced as `llm-cache-hit`.
 */
export function withResponseCache(
  provider: LlmProvider,
  cache: SqliteResponseCache,
  options: { clock?: Clock; bus?: EventBus } = {},
): LlmProvider {
  const clock = options.clock ?? systemClock;
  return {
    specificationVersion: 'v1',
    name: provider.name,
    local: provider.local,
    async chat(request: ChatRequest): Promise<ChatResponse> {
      // A caller that gave up gets no answer, not even a free one from the cache (as with every provider).
      request.signal?.throwIfAborted();
      if (!cache.enabled || !isDeterministic(request)) return provider.chat(request);
      const key = responseCacheKey(provider.name, request);
      const started = clock.now();
      const hit = cache.get(key, started);
      if (hit) {
        const stored = JSON.parse(hit.response) as ChatResponse;
        options.bus?.emit('llm-cache-hit', {
          taskId: request.taskId ?? null,
          provider: provider.name,
          model: stored.model,
          tokensSaved: hit.tokens,
          costSavedUsd: hit.costUsd,
        });
        return { ...stored, costUsd: 0, latencyMs: clock.now() - started, cached: true };
      }
      const response = await provider.chat(request);
      cache.put(
        {
          key,
          provider: provider.name,
          model: response.model,
          response: JSON.stringify(response),
          tokens: response.usage.inputTokens + response.usage.outputTokens,
          costUsd: response.costUsd,
        },
        clock.now(),
      );
      return response;
    },
  };
}

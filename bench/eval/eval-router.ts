import { join } from 'node:path';
import { type InboundMessage, parseCommand } from '../../core/contracts/messages.js';
import { ToolRegistry } from '../../core/engine/tool-registry.js';
import { PieBrainError } from '../../core/errors.js';
import { systemClock } from '../../core/lib/clock.js';
import type { LlmProvider } from '../../core/llm/provider.js';
import { silentLogger } from '../../core/logger.js';
import { ModelHealth } from '../../core/router/model-health.js';
import { PrefsFile } from '../../core/router/prefs.js';
import { RouteCache } from '../../core/router/route-cache.js';
import { Router } from '../../core/router/router.js';
import type { CaseResult, RoutingCase } from './routing-cases.js';
import { createStandInTools } from './stand-in-tools.js';

/** A provider that is never there: routing with it is routing by the rules alone. */
export const absentModel: LlmProvider = {
  specificationVersion: 'v1',
  name: 'absent',
  local: true,
  chat: () => Promise.reject(new PieBrainError('LLM_UNAVAILABLE', 'no model in this run')),
};

/** A router over the stand-in tools with no prefs and no alerts; the cache is off unless asked for. */
export function createEvalRouter(options: { llm: LlmProvider; model: string; timeoutMs: number; cacheEntries?: number }): Router {
  return new Router({
    tools: new ToolRegistry(createStandInTools()),
    llm: options.llm,
    prefs: new PrefsFile(join('/nonexistent', 'user_prefs.md')),
    cache: new RouteCache({ clock: systemClock, ttlMs: 3_600_000, maxEntries: options.cacheEntries ?? 0 }),
    // A huge backoff: once the absent model failed, the rules decide every later case without asking again.
    health: new ModelHealth({ clock: systemClock, model: options.model, baseBackoffMs: 3_600_000 }),
    model: options.model,
    timeoutMs: options.timeoutMs,
    logger: silentLogger(),
  });
}

let counter = 0;

/** A message as an adapter would hand it over (slash commands parsed). */
export function messageOf(text: string): InboundMessage {
  counter += 1;
  const command = parseCommand(text);
  return {
    id: `eval-${counter}`,
    address: { platform: 'eval', chatId: 'eval' },
    user: { id: 'eval', name: 'eval' },
    text,
    ...(command ? { command } : {}),
    receivedAt: Date.now(),
  };
}

export async function routeCase(router: Router, expected: RoutingCase): Promise<CaseResult> {
  const outcome = await router.route(messageOf(expected.text));
  return {
    expected,
    tool_name: outcome.decision?.tool_name ?? null,
    handoff: outcome.decision?.handoff ?? false,
    source: outcome.source,
    llmCalls: outcome.llmCalls,
    latencyMs: outcome.durationMs,
  };
}

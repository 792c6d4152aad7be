import type { Config, Paths } from '../config.js';
import type { HandoffHandler } from '../contracts/handoff.js';
import type { Reply } from '../contracts/messages.js';
import { recordParams } from '../contracts/recording.js';
import { CHAT_TOOL, type RouteOutcome } from '../contracts/route-decision.js';
import type { TaskContext } from '../contracts/task.js';
import { Dispatcher } from '../engine/dispatch.js';
import type { RouteHandler } from '../engine/pipeline.js';
import { LlmAccounting } from '../llm/accounting.js';
import { OllamaProvider } from '../llm/ollama.js';
import type { PaidChat } from '../llm/paid-chat.js';
import type { LlmProvider } from '../llm/provider.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { ChatResponder } from './chat.js';
import { ModelHealth } from './model-health.js';
import { PrefsFile, prefsPath } from './prefs.js';
import { RouteCache } from './route-cache.js';
import { Router } from './router.js';

/** Where model calls are accounted: the ledger, the bus and each task's trace. */
export type AccountingRuntime = Pick<Runtime, 'clock' | 'bus' | 'ledger' | 'queue'>;

/** The parts of the runtime the router, chat and dispatch are built on, and where the route handler goes. */
export type RouterRuntime = AccountingRuntime & Pick<Runtime, 'tools' | 'limits' | 'alerts' | 'outbox' | 'rules' | 'setRouteHandler'>;

/** The local model as every part of pie-brain uses it: one inference at a time, every call accounted for. */
export function createOllamaProvider(
  runtime: AccountingRuntime & Pick<Runtime, 'limits'>,
  config: Config,
  fetchImpl?: typeof fetch,
): OllamaProvider {
  return new OllamaProvider({
    host: config.ollama.host,
    model: config.router.model,
    keepAlive: config.router.keepAlive,
    limit: runtime.limits.llm,
    accounting: runtimeAccounting(runtime),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/** Model calls accounted in the runtime's ledger, on its bus and in each task's trace. */
export function runtimeAccounting(runtime: AccountingRuntime): LlmAccounting {
  return new LlmAccounting({
    clock: runtime.clock,
    bus: runtime.bus,
    ledger: runtime.ledger,
    trace: (event) => runtime.queue.record(event),
  });
}

export interface RouterSetup {
  /** The local model the router, chat and plans share. */
  llm: LlmProvider;
  router: Router;
  dispatcher: Dispatcher;
  chat: ChatResponder;
  health: ModelHealth;
  handler: RouteHandler;
}

export interface InstallRouterOptions {
  config: Config;
  paths: Paths;
  logger: Logger;
  /** The local model; by default an OllamaProvider on config ollama.host. */
  llm?: LlmProvider;
  handoff?: HandoffHandler;
  /** Paid models that choose themselves; chat uses them when the local model is down and config router.cloudChat is on. */
  paid?: PaidChat;
}

/** The route handler: route (or take a slash command's decision), trace the decision, then dispatch it. */
export function createRouteHandler(runtime: Pick<Runtime, 'bus'>, router: Router, dispatcher: Dispatcher): RouteHandler {
  const carryOut = (outcome: RouteOutcome, ctx: TaskContext): Promise<Reply> => {
    const decision = outcome.decision;
    const toolName = decision ? (decision.handoff ? `handoff:${decision.tool_name}` : decision.tool_name) : 'none';
    const durationMs = Math.round(outcome.durationMs * 1000) / 1000;
    runtime.bus.emit('task-routed', {
      taskId: ctx.task.id,
      toolName,
      handoff: decision?.handoff ?? false,
      reason: decision?.reason ?? outcome.problem ?? '',
      source: outcome.source,
      durationMs,
      ...(decision ? { params: decision.params } : {}),
    });
    ctx.trace('routed', {
      durationMs: Math.round(outcome.durationMs),
      data: {
        source: outcome.source,
        tool: decision?.tool_name ?? null,
        handoff: decision?.handoff ?? false,
        reason: decision?.reason ?? null,
        llmCalls: outcome.llmCalls,
        ...(outcome.problem ? { problem: outcome.problem } : {}),
        // The decision's params and cache key: what a replay compares and what it looks a cached decision up by.
        params: recordParams(decision?.params ?? {}),
        ...(outcome.cacheKey ? { cacheKey: outcome.cacheKey } : {}),
      },
    });
    ctx.advance({
      toolName: decision?.tool_name ?? CHAT_TOOL,
      metadata: { route: { source: outcome.source, handoff: decision?.handoff ?? false, params: decision?.params ?? {} } },
    });
    return dispatcher.dispatch(outcome, ctx);
  };
  return {
    route: async (ctx) => carryOut(await router.route(ctx.message, { taskId: ctx.task.id, signal: ctx.signal }), ctx),
    dispatch: (decision, ctx, source = 'slash') => carryOut({ decision, source, llmCalls: 0, durationMs: 0 }, ctx),
  };
}

/**
 * Build the router, chat and dispatch over a runtime's tools, limits and storage, and install them as its
 * route handler. compose.ts calls this once; `dispatcher.setHandoffHandler` adds the cloud side later.
 */
export function installRouter(runtime: RouterRuntime, options: InstallRouterOptions): RouterSetup {
  const { config, paths, logger } = options;
  const llm = options.llm ?? createOllamaProvider(runtime, config);
  const prefs = new PrefsFile(prefsPath(paths.brainDir));
  const health = new ModelHealth({ clock: runtime.clock, alerts: runtime.alerts, model: config.router.model });
  const router = new Router({
    tools: runtime.tools,
    llm,
    prefs,
    cache: new RouteCache({
      clock: runtime.clock,
      ttlMs: config.router.cacheTtlSeconds * 1000,
      maxEntries: config.router.cacheMaxEntries,
    }),
    health,
    model: config.router.model,
    timeoutMs: config.router.timeoutSeconds * 1000,
    logger: logger.child({ part: 'router' }),
  });
  const chat = new ChatResponder({
    llm,
    prefix: () => router.currentPrefix(),
    queue: runtime.queue,
    outbox: runtime.outbox,
    model: config.router.model,
    historyTurns: config.router.historyTurns,
    health,
    ...(config.router.cloudChat && options.paid ? { cloud: options.paid, prefs: () => prefs.read().text } : {}),
  });
  const dispatcher = new Dispatcher({
    tools: runtime.tools,
    toolLimit: runtime.limits.tools,
    bus: runtime.bus,
    logger: logger.child({ part: 'dispatch' }),
    chat,
    rules: runtime.rules,
    ...(options.handoff ? { handoff: options.handoff } : {}),
  });
  const handler = createRouteHandler(runtime, router, dispatcher);
  runtime.setRouteHandler(handler);
  return { llm, router, dispatcher, chat, health, handler };
}

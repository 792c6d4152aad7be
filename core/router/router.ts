import type { InboundMessage } from '../contracts/messages.js';
import type { RouteDecision, RouteOutcome, RouteSource } from '../contracts/route-decision.js';
import type { ToolRegistry } from '../engine/tool-registry.js';
import { isPieBrainError } from '../errors.js';
import type { LlmProvider } from '../llm/provider.js';
import type { Logger } from '../logger.js';
import { type Catalog, CatalogSource } from './catalog.js';
import type { ModelHealth } from './model-health.js';
import type { PrefsFile } from './prefs.js';
import { buildRoutingPrefix, contextTokensFor, MAX_DECISION_TOKENS, repairMessages, routingMessages } from './prompt.js';
import type { RouteCache } from './route-cache.js';
import { routeCacheKey } from './route-cache.js';
import { routeByRules } from './rules.js';
import { checkAnswer } from './validate-answer.js';

export interface RouterOptions {
  tools: ToolRegistry;
  llm: LlmProvider;
  prefs: PrefsFile;
  cache: RouteCache;
  health: ModelHealth;
  /** The routing model (part of the cache key). */
  model: string;
  /** Longer than this and the rules decide instead (config router.timeoutSeconds). */
  timeoutMs: number;
  logger: Logger;
}

export interface RouteCallContext {
  taskId?: number | null;
  signal?: AbortSignal;
}

const WARM_UP_TIMEOUT_MS = 300_000;

// The model is not answering (as opposed to answering badly): fall back and tell the admins.
const OUTAGE_CODES = new Set(['LLM_UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED', 'NETWORK']);

/** The routing prompt prefix and its num_ctx, for one pair of (prefs, catalog). */
interface Prefix {
  prefsHash: string;
  catalogHash: string;
  text: string;
  contextTokens: number;
}

/**
 * Decides a RouteDecision for a plain message (commands never come here): sure rules first (no model), then the route
 * cache, then the local model with a JSON-schema constrained answer (one repair attempt), and the rules again
 * when the model is down, too slow, or keeps answering badly. Never throws for bad model output.
 */
export class Router {
  private readonly catalogs: CatalogSource;
  private prefix: Prefix | undefined;

  constructor(private readonly options: RouterOptions) {
    this.catalogs = new CatalogSource(options.tools);
  }

  catalog(): Catalog {
    return this.catalogs.current();
  }

  /** The routing prompt's prefix as it stands (prefs, then instructions and catalog). */
  currentPrefix(): Prefix {
    const prefs = this.options.prefs.read();
    const catalog = this.catalogs.current();
    if (this.prefix?.prefsHash !== prefs.hash || this.prefix.catalogHash !== catalog.hash) {
      const text = buildRoutingPrefix(prefs.text, catalog);
      this.prefix = { prefsHash: prefs.hash, catalogHash: catalog.hash, text, contextTokens: contextTokensFor(text) };
    }
    return this.prefix;
  }

  cacheStats() {
    return this.options.cache.stats();
  }

  async route(message: InboundMessage, call: RouteCallContext = {}): Promise<RouteOutcome> {
    const started = performance.now();
    const done = (
      decision: RouteDecision | null,
      source: RouteSource,
      llmCalls: number,
      problem?: string,
      cacheKey?: string,
    ): RouteOutcome => ({
      decision,
      source,
      llmCalls,
      durationMs: performance.now() - started,
      ...(problem ? { problem } : {}),
      ...(cacheKey ? { cacheKey } : {}),
    });
    const { tools, cache, health } = this.options;

    const fast = routeByRules(message.text, tools, 'fast');
    if (fast) return done(fast, 'rules', 0);

    const prefix = this.currentPrefix();
    const key = routeCacheKey({
      request: message.text,
      prefsHash: prefix.prefsHash,
      catalogHash: prefix.catalogHash,
      model: this.options.model,
    });
    const cached = cache.get(key);
    if (cached) return done(cached, 'cache', 0, undefined, key);

    if (!health.shouldTry()) {
      return done(routeByRules(message.text, tools, 'fallback') ?? null, 'fallback', 0, 'the local model is down');
    }

    let calls = 0;
    const catalog = this.catalogs.current();
    let messages = routingMessages(prefix.text, catalog, message.text);
    let problem = '';
    for (let attempt = 0; attempt < 2; attempt += 1) {
      let text: string;
      try {
        calls += 1;
        text = await this.ask(messages, prefix.contextTokens, call);
      } catch (error) {
        if (call.signal?.aborted) throw call.signal.reason;
        const code = isPieBrainError(error) ? error.code : 'INTERNAL';
        const reason = error instanceof Error ? error.message : String(error);
        if (OUTAGE_CODES.has(code)) health.failed(reason);
        this.options.logger.warn({ code, reason, taskId: call.taskId }, 'routing model failed; the rules decide');
        return done(routeByRules(message.text, tools, 'fallback') ?? null, 'fallback', calls, reason);
      }
      health.succeeded();
      const checked = checkAnswer(text, tools);
      if (checked.ok) {
        cache.set(key, checked.decision);
        return done(checked.decision, attempt === 0 ? 'model' : 'model-repaired', calls);
      }
      problem = checked.problem;
      this.options.logger.info({ problem, taskId: call.taskId, attempt }, 'the routing model answered badly');
      messages = repairMessages(prefix.text, catalog, message.text, text, problem);
    }
    return done(routeByRules(message.text, tools, 'fallback') ?? null, 'fallback', calls, problem);
  }

  /**
   * Evaluate the shared prefix once at start-up, so the first request does not pay for it (on a Pi, loading
   * the model and ~1,000 prefix tokens take longer than the route timeout). Never throws.
   */
  async warmUp(signal?: AbortSignal): Promise<boolean> {
    const prefix = this.currentPrefix();
    try {
      await this.options.llm.chat({
        messages: routingMessages(prefix.text, this.catalogs.current(), 'hello'),
        model: this.options.model,
        format: this.catalogs.current().format,
        temperature: 0,
        contextTokens: prefix.contextTokens,
        maxTokens: 1,
        timeoutMs: Math.max(this.options.timeoutMs, WARM_UP_TIMEOUT_MS),
        purpose: 'warm-up',
        ...(signal ? { signal } : {}),
      });
      this.options.health.succeeded();
      return true;
    } catch (error) {
      const code = isPieBrainError(error) ? error.code : 'INTERNAL';
      const reason = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ code, reason }, 'could not warm up the routing model; the rules decide until it answers');
      try {
        if (OUTAGE_CODES.has(code) && !signal?.aborted) this.options.health.failed(reason);
      } catch {
        // Shutting down (the database is closed): nothing left to record.
      }
      return false;
    }
  }

  private async ask(messages: ReturnType<typeof routingMessages>, contextTokens: number, call: RouteCallContext): Promise<string> {
    const catalog = this.catalogs.current();
    const answer = await this.options.llm.chat({
      messages,
      model: this.options.model,
      format: catalog.format,
      temperature: 0,
      contextTokens,
      maxTokens: MAX_DECISION_TOKENS,
      timeoutMs: this.options.timeoutMs,
      purpose: 'route',
      taskId: call.taskId ?? null,
      ...(call.signal ? { signal: call.signal } : {}),
    });
    return answer.text;
  }
}

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueStats } from '../../storage/queue.js';
import type { BudgetStatus } from '../costs/budget.js';
import type { EventBus } from '../engine/events.js';
import type { ProviderHealth } from '../health/provider-monitor.js';

export interface MetricsDeps {
  bus: EventBus;
  queueStats(): QueueStats;
  providers(): ProviderHealth[];
  budget(): BudgetStatus;
  now(): number;
}

export interface Metrics {
  registry: Registry;
  /** Stop listening to the bus. */
  close(): void;
}

const STATES = { up: 1, down: 0 } as const;

/**
 * Prometheus metrics fed by the event bus (requests, task durations, LLM calls, latencies, tokens,
 * spend, cache hits, replies, rule-pack hits) plus gauges read when scraped (queue depth, provider state, budget).
 * A private registry, and no default metrics: their event-loop sampler would wake an idle Pi.
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: 'pie_brain_requests_total',
    help: 'Messages accepted as tasks',
    labelNames: ['platform'],
    registers,
  });
  const finished = new Counter({
    name: 'pie_brain_tasks_finished_total',
    help: 'Tasks that reached an end',
    labelNames: ['status'],
    registers,
  });
  const taskSeconds = new Histogram({
    name: 'pie_brain_task_duration_seconds',
    help: 'Time from claim to the end of a task',
    labelNames: ['status'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers,
  });
  const llmCalls = new Counter({
    name: 'pie_brain_llm_calls_total',
    help: 'LLM calls and brain runs',
    labelNames: ['provider', 'outcome'],
    registers,
  });
  const llmSeconds = new Histogram({
    name: 'pie_brain_llm_latency_seconds',
    help: 'Latency of successful LLM calls and brain runs',
    labelNames: ['provider'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1200],
    registers,
  });
  const tokens = new Counter({ name: 'pie_brain_llm_tokens_total', help: 'Tokens used', labelNames: ['provider', 'direction'], registers });
  const spend = new Counter({ name: 'pie_brain_spend_usd_total', help: 'Dollars spent since start', labelNames: ['provider'], registers });
  const cacheHits = new Counter({ name: 'pie_brain_cache_hits_total', help: 'LLM answers served from the response cache', registers });
  const cacheSaved = new Counter({ name: 'pie_brain_cache_saved_usd_total', help: 'Dollars the response cache saved', registers });
  const replies = new Counter({
    name: 'pie_brain_replies_total',
    help: 'Replies sent or failed',
    labelNames: ['platform', 'outcome'],
    registers,
  });
  const ruleHits = new Counter({
    name: 'pie_brain_rule_hits_total',
    help: 'Texts a rule pack matched (redacted, refused or noted), by pack, rule, where and what it did',
    labelNames: ['pack', 'rule', 'surface', 'severity'],
    registers,
  });
  new Gauge({
    name: 'pie_brain_queue_depth',
    help: 'Tasks pending or running',
    labelNames: ['state'],
    registers,
    collect() {
      const stats = deps.queueStats();
      this.set({ state: 'pending' }, stats.pending);
      this.set({ state: 'running' }, stats.running);
    },
  });
  new Gauge({
    name: 'pie_brain_queue_oldest_pending_seconds',
    help: 'Age of the oldest pending task (0 when none)',
    registers,
    collect() {
      const oldest = deps.queueStats().oldestPendingAt;
      this.set(oldest === null ? 0 : Math.max(0, (deps.now() - oldest) / 1000));
    },
  });
  const providerGauge = (name: string, help: string, value: (h: ProviderHealth) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const health of deps.providers()) {
          const v = value(health);
          if (v !== null) this.set({ provider: health.provider }, v);
        }
      },
    });
  providerGauge('pie_brain_provider_up', 'Provider state: 1 up, 0 down (absent until known)', (h) =>
    h.state === 'unknown' ? null : STATES[h.state],
  );
  providerGauge('pie_brain_provider_score', 'Provider health score, 0 to 100', (h) => h.score);
  providerGauge('pie_brain_provider_latency_p95_seconds', 'Rolling p95 latency', (h) => (h.p95Ms === null ? null : h.p95Ms / 1000));
  providerGauge('pie_brain_provider_error_rate', 'Errors per call over the last hour', (h) => h.errorRate1h);
  new Gauge({
    name: 'pie_brain_budget_month_usd',
    help: 'This calendar month: spent, held by running calls, and the limit',
    labelNames: ['kind'],
    registers,
    collect() {
      const { month } = deps.budget();
      this.set({ kind: 'spent' }, month.spentUsd);
      this.set({ kind: 'held' }, month.heldUsd);
      if (month.limitUsd !== null) this.set({ kind: 'limit' }, month.limitUsd);
    },
  });
  new Gauge({
    name: 'pie_brain_process_resident_memory_bytes',
    help: 'Resident set size of the pie-brain process',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  const offs = [
    deps.bus.on('task-queued', (e) => requests.inc({ platform: e.platform })),
    deps.bus.on('task-finished', (e) => {
      finished.inc({ status: e.status });
      taskSeconds.observe({ status: e.status }, e.durationMs / 1000);
    }),
    deps.bus.on('llm-called', (e) => {
      llmCalls.inc({ provider: e.provider, outcome: 'ok' });
      llmSeconds.observe({ provider: e.provider }, e.latencyMs / 1000);
      tokens.inc({ provider: e.provider, direction: 'in' }, e.tokensIn);
      tokens.inc({ provider: e.provider, direction: 'out' }, e.tokensOut);
      if (e.costUsd > 0) spend.inc({ provider: e.provider }, e.costUsd);
    }),
    deps.bus.on('llm-failed', (e) => llmCalls.inc({ provider: e.provider, outcome: 'error' })),
    deps.bus.on('llm-cache-hit', (e) => {
      cacheHits.inc();
      if (e.costSavedUsd > 0) cacheSaved.inc(e.costSavedUsd);
    }),
    deps.bus.on('reply-sent', (e) => replies.inc({ platform: e.platform, outcome: 'sent' })),
    deps.bus.on('reply-failed', (e) => replies.inc({ platform: e.platform, outcome: e.willRetry ? 'retry' : 'failed' })),
    deps.bus.on('rule-hit', (e) => ruleHits.inc({ pack: e.pack, rule: e.rule, surface: e.surface, severity: e.severity })),
  ];
  return {
    registry,
    close: () => {
      for (const off of offs) off();
    },
  };
}

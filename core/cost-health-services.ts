import { join } from 'node:path';
import { relaxed } from '../storage/db.js';
import { LedgerStats } from '../storage/ledger-stats.js';
import { SqliteResponseCache } from '../storage/response-cache.js';
import { SpendReservationStore } from '../storage/spend-reservations.js';
import type { Config, Paths } from './config.js';
import { ConfigError } from './config.js';
import type { PriceBook } from './contracts/spend.js';
import { budgetSettings } from './costs/budget.js';
import { BudgetAlerts } from './costs/budget-alerts.js';
import { withResponseCache } from './costs/cached-provider.js';
import { assertTimeZone } from './costs/calendar.js';
import { createCostCommand } from './costs/cost-command.js';
import { buildCostReport, type CostReport, type ReportPeriod } from './costs/cost-report.js';
import { configuredModelNotices } from './costs/model-lifecycle.js';
import { ModelRegistry } from './costs/model-registry.js';
import { RegistryPriceBook } from './costs/price-book.js';
import { loadPriceOverrides } from './costs/price-overrides.js';
import { SqliteSpendGate } from './costs/spend-gate.js';
import { createHealthCommand } from './health/health-command.js';
import { collectHealth, type HealthReport } from './health/health-report.js';
import { exportMonitor, MONITOR_SNAPSHOT_KEY } from './health/monitor-export.js';
import { type OllamaProbe, probeOllama } from './health/ollama-probe.js';
import { type PiVitalsOptions, readPiVitals } from './health/pi-vitals.js';
import { type ProviderHealth, ProviderMonitor } from './health/provider-monitor.js';
import { type Readiness, type RunningHttpServer, startHttpServer } from './http/http-server.js';
import type { Metrics } from './http/metrics.js';
import type { TimerHandle } from './lib/clock.js';
import type { LlmProvider } from './llm/provider.js';
import type { Logger } from './logger.js';
import type { Runtime } from './runtime.js';

/** The parts of the runtime costs and health read, watch or register with. */
export type CostHealthRuntime = Pick<
  Runtime,
  'clock' | 'db' | 'kv' | 'bus' | 'alerts' | 'queue' | 'limits' | 'health' | 'adapters' | 'commands' | 'onStop'
>;

export interface CostHealthOptions {
  config: Config;
  paths: Paths;
  logger: Logger;
  version: string;
  /** For the Ollama probe (tests point it anywhere). */
  fetch?: typeof fetch;
  vitals?: Partial<Omit<PiVitalsOptions, 'dataDir'>>;
  /** Start /healthz and /metrics when config http.port is set (default true). */
  http?: boolean;
}

const SNAPSHOT_EVERY_MS = 5 * 60_000;

/**
 * Costs and health assembled on a Runtime: the model registry and price book, the spend gate and budget
 * alerts, the provider monitor, the response cache, /cost and /health, and the HTTP endpoints.
 * compose.ts calls installCostHealth once and hands priceBook and spendGate to the brains, and cached() wraps the paid provider.
 */
export class CostHealthServices {
  readonly spendGate: SqliteSpendGate;
  readonly budgetAlerts: BudgetAlerts;
  readonly monitor: ProviderMonitor;
  readonly responseCache: SqliteResponseCache;
  readonly stats: LedgerStats;
  /** Prometheus metrics; created with the HTTP server (prom-client is not loaded when HTTP is off). */
  metrics: Metrics | undefined;
  http: RunningHttpServer | undefined;
  private models: ModelRegistry | undefined;
  private prices: RegistryPriceBook | undefined;
  private savedSnapshot: string | undefined;
  private readonly offs: Array<() => void> = [];
  private snapshotTimer: TimerHandle | undefined;

  constructor(
    private readonly runtime: CostHealthRuntime,
    private readonly options: CostHealthOptions,
  ) {
    const { config } = options;
    try {
      assertTimeZone(config.timeZone);
    } catch {
      throw new ConfigError([`timeZone: "${config.timeZone}" is not an IANA time zone (for example Europe/Berlin)`]);
    }
    const clock = runtime.clock;
    // A broken overrides file stops the start; the price table itself loads on first use.
    if (config.costs.pricesFile) loadPriceOverrides(config.costs.pricesFile);
    this.stats = new LedgerStats(runtime.db);
    this.responseCache = new SqliteResponseCache(runtime.db, {
      ttlMs: config.costs.cacheTtlSeconds * 1000,
      maxEntries: config.costs.cacheMaxEntries,
    });
    const settings = budgetSettings(config);
    this.spendGate = new SqliteSpendGate({
      ledger: this.stats,
      holds: new SpendReservationStore(runtime.db),
      clock,
      settings,
      logger: options.logger.child({ part: 'spend' }),
      onSettled: () => this.budgetAlerts.check(),
    });
    this.budgetAlerts = new BudgetAlerts({ alerts: runtime.alerts, kv: runtime.kv, settings, status: () => this.spendGate.status() });
    this.monitor = new ProviderMonitor({ clock, alerts: runtime.alerts });
    this.monitor.track('ollama', { queueDepth: () => runtime.limits.llm.waiting });
    this.monitor.track('anthropic');
    for (const brain of new Set([config.brains.default, ...config.brains.fallback])) {
      if (brain !== 'anthropic') this.monitor.track(brain, { queueDepth: () => runtime.limits.cloud.waiting });
    }
    this.offs.push(this.monitor.attach(runtime.bus));
    this.offs.push(
      runtime.bus.on('llm-called', (event) => {
        if (event.costUsd > 0) this.budgetAlerts.check();
      }),
    );
    this.scheduleSnapshot();
  }

  /** Every model pie-brain can price (built on first use). */
  get registry(): ModelRegistry {
    const { config } = this.options;
    this.models ??= ModelRegistry.create({ pricesFile: config.costs.pricesFile, now: this.runtime.clock.now() });
    return this.models;
  }

  /**
   * For the brains and the Anthropic provider: dollars from reported usage. The registry behind it reads the
   * genai-prices table (~4 MB of memory), so it is built on the first priced call, not when this is handed out.
   */
  get priceBook(): PriceBook {
    return { costUsd: (provider, model, usage) => this.registryPriceBook().costUsd(provider, model, usage) };
  }

  private registryPriceBook(): RegistryPriceBook {
    this.prices ??= new RegistryPriceBook(this.registry, this.runtime.clock);
    return this.prices;
  }

  /** Wrap a provider with the response cache (deterministic calls only). */
  cached(provider: LlmProvider): LlmProvider {
    return withResponseCache(provider, this.responseCache, { clock: this.runtime.clock, bus: this.runtime.bus });
  }

  costReport(period: ReportPeriod): CostReport {
    const { runtime } = this;
    return buildCostReport(period, {
      stats: this.stats,
      budget: () => this.spendGate.status(),
      cacheSavings: (from, to) => this.responseCache.savingsBetween(from, to),
      describeTask: (taskId) => runtime.queue.get(taskId)?.requestText,
      timeZone: this.options.config.timeZone,
      now: runtime.clock.now(),
    });
  }

  /** Probe Ollama without spending tokens and record the result (the heartbeat job calls this). */
  async probeOllama(): Promise<OllamaProbe> {
    const { config } = this.options;
    const probe = await probeOllama({
      host: config.ollama.host,
      routerModel: config.router.model,
      clock: this.runtime.clock,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    this.monitor.recordProbe('ollama', probe.up ? { ok: true } : { ok: false, error: probe.error ?? 'down' });
    return probe;
  }

  collectHealth(): Promise<HealthReport> {
    const { runtime } = this;
    return collectHealth({
      monitor: this.monitor,
      probeOllama: () => this.probeOllama(),
      queueStats: () => runtime.queue.stats(),
      hooks: runtime.health,
      adapters: () => runtime.adapters,
      vitals: () => readPiVitals({ dataDir: this.options.paths.home, ...this.options.vitals }),
      modelNotices: (now) => configuredModelNotices(this.options.config, now),
      clock: runtime.clock,
      version: this.options.version,
      timeZone: this.options.config.timeZone,
    });
  }

  /** Liveness is answering at all; ready means the database works and a platform is connected. */
  readiness(): Readiness {
    const { runtime } = this;
    const checks: Readiness['checks'] = {};
    try {
      runtime.db.prepare('SELECT 1').get();
      checks.database = { ok: true };
    } catch (error) {
      checks.database = { ok: false, detail: (error as Error).message };
    }
    for (const adapter of runtime.adapters) {
      checks[`adapter:${adapter.platform}`] = { ok: adapter.connected ? adapter.connected() : true };
    }
    const ollama = this.monitor.health('ollama');
    checks.ollama = { ok: ollama.state !== 'down', detail: ollama.state };
    const stats = runtime.queue.stats();
    const lagMs = stats.oldestPendingAt === null ? 0 : runtime.clock.now() - stats.oldestPendingAt;
    checks.queue = { ok: lagMs <= this.options.config.jobs.heartbeat.maxQueueLagSeconds * 1000, detail: `${stats.pending} pending` };
    const adapters = runtime.adapters.map((a) => checks[`adapter:${a.platform}`]?.ok ?? false);
    const ready = (checks.database?.ok ?? false) && (adapters.length === 0 || adapters.some(Boolean));
    const allOk = Object.values(checks).every((check) => check.ok);
    return { status: !ready ? 'down' : allOk ? 'ok' : 'degraded', live: true, ready, checks };
  }

  monitorExport(format: 'json' | 'csv'): string {
    return exportMonitor(this.monitor.all(), format, this.runtime.clock.now());
  }

  saveMonitorSnapshot(): void {
    const at = this.runtime.clock.now();
    const providers = this.monitor.all() satisfies ProviderHealth[];
    // Stored only when it changed: each store is a write to the SD card, and an idle Pi's snapshot changes
    // only in when the heartbeat's probe last succeeded.
    const serialized = JSON.stringify(providers.map(({ lastOkAt: _, ...rest }) => rest));
    if (serialized === this.savedSnapshot || !this.runtime.db.open) return;
    // A snapshot lost to a power cut is only an older one: no fsync of its own (SD-card wear).
    relaxed(this.runtime.db, () => this.runtime.kv.set(MONITOR_SNAPSHOT_KEY, { at, providers }, at));
    this.savedSnapshot = serialized;
  }

  async startHttp(port = this.options.config.http.port): Promise<RunningHttpServer | undefined> {
    if (port === null || this.http) return this.http;
    const { runtime } = this;
    const { createMetrics } = await import('./http/metrics.js');
    const metrics = createMetrics({
      bus: runtime.bus,
      queueStats: () => runtime.queue.stats(),
      providers: () => this.monitor.all(),
      budget: () => this.spendGate.status(),
      now: () => runtime.clock.now(),
    });
    this.metrics = metrics;
    this.offs.push(() => metrics.close());
    this.http = await startHttpServer({
      host: this.options.config.http.host,
      port,
      metrics: metrics.registry,
      readiness: () => this.readiness(),
      monitorExport: (format) => this.monitorExport(format),
      logger: this.options.logger.child({ part: 'http' }),
    });
    return this.http;
  }

  async stop(): Promise<void> {
    if (this.snapshotTimer) this.runtime.clock.clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
    this.saveMonitorSnapshot();
    for (const off of this.offs.splice(0)) off();
    await this.http?.close();
    this.http = undefined;
  }

  private scheduleSnapshot(): void {
    this.snapshotTimer = this.runtime.clock.setTimeout(() => {
      this.saveMonitorSnapshot();
      this.scheduleSnapshot();
    }, SNAPSHOT_EVERY_MS);
    this.snapshotTimer.unref?.();
  }
}

/** Build the services, register /cost and /health, start HTTP when configured, stop with the runtime. */
export async function installCostHealth(runtime: CostHealthRuntime, options: CostHealthOptions): Promise<CostHealthServices> {
  const services = new CostHealthServices(runtime, options);
  const { config } = options;
  runtime.commands.register(
    createCostCommand({
      buildReport: (period) => services.costReport(period),
      chartsDir: join(options.paths.home, 'charts'),
      now: () => runtime.clock.now(),
    }),
  );
  runtime.commands.register(createHealthCommand({ collect: () => services.collectHealth(), timeZone: config.timeZone }));
  runtime.onStop(() => services.stop());
  if (options.http !== false) await services.startHttp();
  return services;
}

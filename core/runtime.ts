import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Db, openDatabase } from '../storage/db.js';
import { KeyValueStore } from '../storage/kv.js';
import { type Ledger, SqliteLedger } from '../storage/ledger.js';
import { guardOutbox, type Outbox, onOutboxAdded, SqliteOutbox } from '../storage/outbox.js';
import { SqliteTaskQueue, type TaskQueue } from '../storage/queue.js';
import { AccessPolicy } from './access.js';
import { registerBuiltinCommands } from './commands/builtin-commands.js';
import { CommandTable } from './commands/command-table.js';
import type { Config, Paths } from './config.js';
import type { ChatAdapter, Intake } from './contracts/chat-adapter.js';
import type { Reply } from './contracts/messages.js';
import { guardOutboxBody, type RuleHit } from './contracts/rule-gate.js';
import type { TaskContext } from './contracts/task.js';
import { withCostFooter } from './costs/cost-footer.js';
import { Alerts } from './engine/alerts.js';
import { AnswerTracker } from './engine/answers.js';
import { Delivery } from './engine/delivery.js';
import { Engine } from './engine/engine.js';
import { EventBus } from './engine/events.js';
import { createIntake } from './engine/intake.js';
import { createTaskHandler, type RouteHandler } from './engine/pipeline.js';
import { ToolRegistry } from './engine/tool-registry.js';
import { HealthHooks } from './health/health-hooks.js';
import { guardIntake, StorageAlarm } from './health/storage-alarm.js';
import { type Clock, systemClock } from './lib/clock.js';
import { Semaphore } from './lib/semaphore.js';
import type { Logger } from './logger.js';
import { enabledPacks } from './rule-packs/enabled-packs.js';
import { RuleChecker } from './rule-packs/rule-checker.js';
import { secretFiles } from './secrets.js';

export interface RuntimeOptions {
  config: Config;
  paths: Paths;
  logger: Logger;
  clock?: Clock;
  /** An open database; by default $PIE_BRAIN_HOME/pie-brain.db. */
  db?: Db;
  /** Lease owner id; unique per process by default. */
  owner?: string;
  /** Every configured secret value: the secrets rule pack redacts them from whatever leaves. */
  secrets?: readonly string[];
}

/** The limits of the Pi: one local inference, one cloud run, a pool of tools. */
export interface Limits {
  llm: Semaphore;
  cloud: Semaphore;
  tools: Semaphore;
}

/**
 * Core assembled on top of storage: queue, outbox, ledger, intake, engine, delivery and the event bus.
 * compose.ts adds adapters, tools, the router and jobs to it.
 */
export class Runtime {
  readonly clock: Clock;
  readonly db: Db;
  readonly queue: TaskQueue;
  readonly outbox: Outbox;
  readonly ledger: Ledger;
  readonly kv: KeyValueStore;
  readonly bus: EventBus;
  readonly policy: AccessPolicy;
  /** Every command, built-in or a tool's: the one lookup and the one source of every platform's menu. */
  readonly commands = new CommandTable();
  readonly tools = new ToolRegistry([], this.commands);
  readonly limits: Limits;
  readonly delivery: Delivery;
  readonly engine: Engine;
  readonly answers: AnswerTracker;
  readonly intake: Intake;
  readonly storageAlarm: StorageAlarm;
  readonly adapters: ChatAdapter[] = [];
  readonly alerts: Alerts;
  /** Where the handoff runner and the scheduler register what /health shows. */
  readonly health = new HealthHooks();
  readonly owner: string;
  /** The enabled rule packs: every message that leaves, every command, code run and brain prompt passes them. */
  readonly rules: RuleChecker;
  private route: RouteHandler | undefined;
  private readonly stopHooks: Array<() => Promise<void> | void> = [];

  constructor(readonly options: RuntimeOptions) {
    const { config, logger } = options;
    this.clock = options.clock ?? systemClock;
    this.owner = options.owner ?? `${process.pid}-${randomBytes(4).toString('hex')}`;
    // Before the database opens: a broken user pack stops start-up like a broken config.
    const packs = enabledPacks({ config, paths: options.paths, secrets: options.secrets ?? [], secretFiles: secretFiles(config) });
    for (const warning of packs.warnings) logger.warn(warning);
    this.rules = new RuleChecker({
      packs: packs.packs,
      onHit: (hit, taskId) => this.recordRuleHit(hit, taskId),
      onError: (error) => logger.error({ err: error }, 'a message could not be checked against the rule packs; it was held back'),
    });
    this.db =
      options.db ??
      openDatabase(join(options.paths.home, 'pie-brain.db'), {
        synchronous: config.storage.synchronous,
        busyTimeoutMs: config.storage.busyTimeoutMs,
      });
    this.queue = new SqliteTaskQueue(this.db);
    this.outbox = new SqliteOutbox(this.db);
    // Checked before the row is written, not at send time: a redacted secret never reaches the SD card, and a
    // retry or a restart sends exactly what was checked.
    guardOutbox(this.db, (body, taskId) => guardOutboxBody(this.rules, body, taskId));
    this.ledger = new SqliteLedger(this.db);
    this.kv = new KeyValueStore(this.db);
    this.bus = new EventBus((error, name) => logger.error({ err: error, event: name }, 'an event listener failed'));
    this.policy = new AccessPolicy(config);
    this.limits = { llm: new Semaphore(1), cloud: new Semaphore(1), tools: new Semaphore(config.engine.toolConcurrency) };
    this.delivery = new Delivery({
      outbox: this.outbox,
      bus: this.bus,
      clock: this.clock,
      logger: logger.child({ part: 'delivery' }),
      rules: this.rules,
      ...config.delivery,
    });
    // Whatever adds to the outbox (a reply, an alert, a digest post, a progress message), delivery wakes.
    onOutboxAdded(this.db, () => this.delivery.wake());
    // The cost footer wraps the whole handler: every reply whose task used a model gets one.
    const handler = withCostFooter(
      createTaskHandler({
        commands: this.commands,
        route: () => this.route,
        rules: this.rules,
      }),
      { ledger: this.ledger, enabled: config.costs.footer },
    );
    this.engine = new Engine({
      queue: this.queue,
      policy: this.policy,
      bus: this.bus,
      clock: this.clock,
      logger: logger.child({ part: 'engine' }),
      handler,
      owner: this.owner,
      maxConcurrentTasks: Math.max(4, config.engine.toolConcurrency + 2),
      maxAttempts: config.queue.maxAttempts,
      leaseMs: config.queue.leaseSeconds * 1000,
      retryBaseMs: config.queue.retryBaseSeconds * 1000,
      taskTimeoutMs: config.engine.taskTimeoutSeconds * 1000,
      onTaskStarted: (address) => this.delivery.typing(address),
      queueProgress: (item) => {
        this.outbox.add(item, this.clock.now());
      },
    });
    this.answers = new AnswerTracker(this.queue, this.outbox, this.bus);
    // Storage failures at the front door are told to the admins straight through the adapters (the outbox is in the same database).
    this.storageAlarm = new StorageAlarm({
      adapters: () => this.adapters,
      admins: () => config.access.admins,
      clock: this.clock,
      logger: logger.child({ part: 'storage-alarm' }),
      guard: (reply) => this.rules.guardReply(reply, null),
    });
    this.intake = guardIntake(
      createIntake({
        queue: this.queue,
        outbox: this.outbox,
        policy: this.policy,
        bus: this.bus,
        clock: this.clock,
        logger: logger.child({ part: 'intake' }),
        refusalCooldownMinutes: config.access.refusalCooldownMinutes,
        wakeEngine: () => this.engine.wake(),
        whenAnswered: (taskId) => this.answers.whenAnswered(taskId),
      }),
      this.storageAlarm,
    );
    this.alerts = new Alerts({
      outbox: this.outbox,
      kv: this.kv,
      bus: this.bus,
      clock: this.clock,
      logger: logger.child({ part: 'alerts' }),
      admins: () => config.access.admins,
    });
    // A reply, post or refusal whose retries ran out is never silently dropped: the admins hear of it.
    this.bus.on('reply-failed', ({ outboxId, willRetry, code, attempt }) => {
      if (willRetry) return;
      const row = this.outbox.get(outboxId);
      if (!row || row.kind === 'alert') return;
      this.alerts.notify(
        `delivery-failed:${outboxId}`,
        `Could not deliver a ${row.kind} to ${row.address.platform} chat ${row.address.chatId} after ${attempt} tries (${code}).`,
      );
    });
    registerBuiltinCommands(this.commands, { queue: this.queue, engine: () => this.engine });
  }

  /** A rule matched: counted in /metrics (through the bus) and traced on its task. */
  private recordRuleHit(hit: RuleHit, taskId: number | null): void {
    this.bus.emit('rule-hit', { ...hit, taskId });
    if (taskId === null) return;
    const { pack, rule, severity, surface, count } = hit;
    this.queue.record({ taskId, at: this.clock.now(), type: 'rule-hit', data: { pack, rule, severity, surface, count } });
  }

  /**
   * Plain messages, and the decisions of tools' slash commands, go here (the router and dispatch). A bare
   * function answers plain messages only (test doubles, workers without a router).
   */
  setRouteHandler(route: RouteHandler | ((ctx: TaskContext) => Promise<Reply>)): void {
    this.route =
      typeof route === 'function' ? { route, dispatch: async () => ({ text: 'Tools cannot run here: no router is set up.' }) } : route;
  }

  addAdapter(adapter: ChatAdapter): void {
    this.adapters.push(adapter);
    this.delivery.addAdapter(adapter);
  }

  /** Run this when the runtime stops (jobs, HTTP servers, child watchers). */
  onStop(hook: () => Promise<void> | void): void {
    this.stopHooks.push(hook);
  }

  async start(): Promise<void> {
    this.delivery.start();
    this.engine.start();
    for (const adapter of this.adapters) {
      await adapter.start(this.intake);
      this.options.logger.info({ platform: adapter.platform }, 'adapter started');
    }
  }

  /** Stop taking work, let running tasks finish (or release them), flush replies, close the database. */
  async stop(graceMs = 10_000): Promise<void> {
    for (const hook of this.stopHooks.splice(0).reverse()) {
      try {
        await hook();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'a stop hook failed');
      }
    }
    await this.engine.stop(graceMs);
    await this.delivery.stop(Math.min(graceMs, 5000));
    for (const adapter of this.adapters) {
      try {
        await adapter.stop();
      } catch (error) {
        this.options.logger.warn({ err: error, platform: adapter.platform }, 'an adapter did not stop cleanly');
      }
    }
    if (this.db.open) this.db.close();
  }
}

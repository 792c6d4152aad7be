// The composition root: the one place that wires every folder together (main.ts is the command line).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConsoleAdapter } from './bots/console.js';
import type { LoadedConfig } from './core/config.js';
import type { ChatAdapter } from './core/contracts/chat-adapter.js';
import type { MenuEntry } from './core/contracts/command.js';
import type { Embedder } from './core/contracts/embedder.js';
import { type CostHealthServices, installCostHealth } from './core/cost-health-services.js';
import { setupHandoff } from './core/handoff/setup.js';
import { readPiVitals } from './core/health/pi-vitals.js';
import { createPaidModels } from './core/llm/paid-models.js';
import type { Logger } from './core/logger.js';
import { installMemoryLog } from './core/memory-log/install.js';
import { createOllamaProvider, installRouter } from './core/router/install.js';
import { PrefsFile, prefsPath } from './core/router/prefs.js';
import { Runtime } from './core/runtime.js';
import { type Secrets, secretValues } from './core/secrets.js';
import { installSupervisor } from './core/supervisor/install.js';
import { createDigestJob, type DigestDeps } from './jobs/arxiv-digest.js';
import { registerDigestCommands } from './jobs/digest-commands.js';
import { createPaperSummarizer } from './jobs/digest-summary.js';
import { createHeartbeatJob } from './jobs/heartbeat.js';
import { createRetentionJob } from './jobs/retention.js';
import { Scheduler } from './jobs/scheduler.js';
import { JobRunStore } from './storage/job-runs.js';
import { DigestSubscriptions } from './storage/subscriptions.js';
import { createArxivClient } from './tools/arxiv.js';
import type { ToolDeps } from './tools/base.js';
import { GitWorkflow } from './tools/git-sync.js';
import { loadTools } from './tools/index.js';
import { openNoteStore } from './tools/lib/open-memory.js';

/** pie-brain's version, from package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Scheduled jobs (listed once, here): the daily digest, retention. Returns the scheduler, not yet started. */
function createJobs(
  runtime: Pick<Runtime, 'db' | 'kv' | 'clock' | 'alerts' | 'outbox' | 'commands' | 'queue' | 'health' | 'onStop'>,
  loaded: LoadedConfig,
  toolDeps: ToolDeps,
  costs: Pick<CostHealthServices, 'probeOllama'>,
  embedder: Embedder,
  logger: Logger,
): Scheduler {
  const { config, paths } = loaded;
  const scheduler = new Scheduler({
    runs: new JobRunStore(runtime.db),
    kv: runtime.kv,
    clock: runtime.clock,
    logger: logger.child({ part: 'jobs' }),
    timeZone: config.timeZone,
    graceMs: config.jobs.graceMinutes * 60_000,
    onFailure: (job, error) =>
      runtime.alerts.notify(
        `job-failed:${job}:${runtime.clock.now()}`,
        `The ${job} job failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
  // The same reader the router uses: user_prefs.md is read again only when it changes.
  const prefs = new PrefsFile(prefsPath(paths.brainDir));
  const digest: DigestDeps = {
    source: createArxivClient(toolDeps),
    ...(toolDeps.notes ? { notes: toolDeps.notes } : {}),
    ...(toolDeps.llm && config.jobs.digest.summaries ? { summarize: createPaperSummarizer(toolDeps.llm) } : {}),
    // Ranking by similarity to the prefs uses the memory's embedder (loaded on first use); keywords without one.
    ...(config.memory.embedder === 'none'
      ? {}
      : { embed: async (texts: string[]) => (await embedder.embed(texts)).map((vector) => Array.from(vector)) }),
    readPrefs: () => prefs.read().text,
    subscriptions: new DigestSubscriptions(runtime.db),
    outbox: runtime.outbox,
    kv: runtime.kv,
    clock: runtime.clock,
    logger: logger.child({ job: 'arxiv-digest' }),
    config,
    paths,
  };
  if (config.jobs.digest.enabled) scheduler.add(createDigestJob(digest));
  registerDigestCommands(runtime.commands, { ...digest, scheduler: () => scheduler });
  scheduler.add(
    createHeartbeatJob({
      config,
      clock: runtime.clock,
      alerts: runtime.alerts,
      probeOllama: () => costs.probeOllama(),
      readVitals: () => readPiVitals({ dataDir: paths.home }),
      queueStats: () => runtime.queue.stats(),
    }),
  );
  scheduler.add(createRetentionJob({ db: runtime.db, paths, config, clock: runtime.clock, logger: logger.child({ job: 'retention' }) }));
  runtime.onStop(() => scheduler.stop());
  runtime.health.registerSchedule(() =>
    scheduler.status().map((job) => ({
      name: job.name,
      lastRunAt: job.lastRun?.startedAt ?? null,
      ...(job.lastRun ? { lastStatus: job.lastRun.status } : {}),
      nextRunAt: job.nextRunAt ?? null,
    })),
  );
  return scheduler;
}

/** The chat platforms with a token configured; the console when there is none. */
export async function createAdapters(
  loaded: LoadedConfig,
  secrets: Secrets,
  logger: Logger,
  /** Every platform's menu, from the command table. */
  menu: () => MenuEntry[],
  onConsoleDone: () => void,
): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  // Telegram: imported only when a token is set, so the console path never loads grammY.
  if (secrets.telegramToken) {
    const { createTelegramAdapter } = await import('./bots/telegram.js');
    adapters.push(createTelegramAdapter(loaded.config, secrets, logger, { commands: menu }));
  }
  // Slack: a bot token plus an app token (Socket Mode) or a signing secret (HTTP mode); loaded only when used.
  if (secrets.slackBotToken) {
    const { createSlackAdapter } = await import('./bots/slack.js');
    const slack = createSlackAdapter(loaded.config, secrets, logger.child({ platform: 'slack' }));
    if (slack) adapters.push(slack);
  }
  // Discord: on when a bot token is set; imported lazily so the console path never loads discord.js.
  if (secrets.discordToken) {
    const { DiscordAdapter } = await import('./bots/discord.js');
    const { apiUrl, guildId } = loaded.config.discord;
    adapters.push(new DiscordAdapter({ token: secrets.discordToken, apiUrl, guildId, logger, commands: menu }));
  }
  if (adapters.length === 0) {
    const interactive = Boolean(process.stdin.isTTY);
    logger.info({ interactive }, 'no platform token configured: starting the console chat');
    adapters.push(new ConsoleAdapter({ input: process.stdin, output: process.stdout, interactive, onDone: onConsoleDone }));
  }
  return adapters;
}

/** Everything pie-brain is, wired together and not yet started: the one place that composes every folder. */
export async function compose(loaded: LoadedConfig, secrets: Secrets, logger: Logger, options: { http?: boolean } = {}) {
  const { config, paths } = loaded;
  const runtime = new Runtime({ config, paths, logger, secrets: secretValues(secrets) });
  // The memory event log: what happened, fed from the event bus (/memory log, /memory find).
  const memoryLog = config.memory.eventLog ? installMemoryLog(runtime, { home: paths.home, secrets: secretValues(secrets) }) : undefined;
  // Costs and health: /cost, /health, /healthz, /metrics; its priceBook and spendGate are for the brains.
  const costs = await installCostHealth(runtime, {
    config,
    paths,
    logger,
    version: version(),
    ...(options.http === false ? { http: false } : {}),
  });
  // The local model: the router's, and ToolDeps.llm for tools.
  const llm = createOllamaProvider(runtime, config);
  // Paid models: one router chooses among anthropic.models for cloud chat and the Anthropic brain.
  const paid = await createPaidModels(runtime, config, costs, secrets.anthropicApiKey);
  // Memory: one note store shared by /memory, arXiv's dedup and the digest; it loads nothing until used.
  const notes = openNoteStore({
    config,
    paths,
    logger: logger.child({ part: 'memory' }),
    clock: runtime.clock,
    // Without the embedding model everything but search by meaning works: the admins get one hint, not an error per request.
    onEmbedderAvailability: (problem) => {
      if (config.memory.embedder === 'none') return;
      runtime.alerts.transition(
        'embedder',
        problem ? 'bad' : 'ok',
        problem
          ? `Search by meaning is waiting for the embedding model: ${problem.userMessage ?? problem.message} Notes are still saved, arXiv papers matched by ID and the digest ranked by keywords.`
          : 'The embedding model works again: search by meaning is back, and notes saved meanwhile are indexed.',
      );
    },
  });
  // Tools: every module of tools/ fills the registry and the command table (adding a tool is adding one file).
  const toolDeps: ToolDeps = {
    config,
    paths,
    logger: logger.child({ part: 'tools' }),
    clock: runtime.clock,
    db: runtime.db,
    bus: runtime.bus,
    llm,
    notes,
    ...(memoryLog ? { memoryLog } : {}),
  };
  const tools = await loadTools(toolDeps, runtime.tools);
  // Cloud brains: /brain, /handoff, detached runs that outlive a restart; set up before runtime.start() so a
  // run a previous process left keeps its place in line. Paid runs pass the costs' spend gate first.
  const handoff = await setupHandoff({
    runtime,
    config,
    paths,
    logger,
    brainsDir: fileURLToPath(new URL('./brains/', import.meta.url)),
    env: process.env,
    anthropicApiKey: secrets.anthropicApiKey,
    spend: costs.spendGate,
    prices: costs.priceBook,
    models: paid.router,
    git: new GitWorkflow({ repos: config.git.repos, logger: logger.child({ part: 'git' }) }),
  });
  const routing = installRouter(runtime, {
    config,
    paths,
    logger,
    llm,
    handoff: handoff.handler,
    ...(paid.chat ? { paid: paid.chat } : {}),
  });
  // /plan: goals of several steps, each through the router's dispatcher, with context from memory.
  installSupervisor(runtime, { config, logger, routing, notes });
  const scheduler = createJobs(runtime, loaded, toolDeps, costs, notes.embedder, logger);
  logger.info({ tools: tools.loaded, skipped: tools.skipped }, 'tools loaded');
  return { runtime, notes, memoryLog, scheduler, routing };
}

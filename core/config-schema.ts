import { z } from 'zod';
import { PRIVILEGES } from './access.js';
import { DEFAULT_ANTHROPIC_MODEL } from './costs/model-catalog.js';

// Every setting with its default. config.yaml at the root documents each key; a test keeps the two in step.

const seconds = z.number().positive();
const ids = z.array(z.string().min(1));

const log = z.object({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  fileSizeMb: z.number().positive().default(5),
  files: z.number().int().min(1).default(5),
});

const storage = z.object({
  synchronous: z.enum(['OFF', 'NORMAL', 'FULL', 'EXTRA']).default('FULL'),
  busyTimeoutMs: z.number().int().min(0).default(5000),
});

const queue = z.object({
  maxAttempts: z.number().int().min(1).default(3),
  leaseSeconds: seconds.default(60),
  retryBaseSeconds: seconds.default(5),
});

const engine = z.object({
  toolConcurrency: z.number().int().min(1).default(2),
  taskTimeoutSeconds: seconds.default(900),
});

const delivery = z.object({
  maxAttempts: z.number().int().min(1).default(10),
  baseDelayMs: z.number().int().min(1).default(1000),
  maxDelayMs: z.number().int().min(1).default(300_000),
  concurrency: z.number().int().min(1).default(4),
});

const grant = z.object({
  user: z.string().regex(/^[a-z]+:.+$/, 'expected "platform:userId"'),
  privileges: z.array(z.enum(PRIVILEGES)).min(1),
  budgetShare: z.number().gt(0).max(1).default(0.2),
});

const access = z.object({
  admins: ids.default([]),
  allowedUsers: z.object({ telegram: ids.default([]), discord: ids.default([]), slack: ids.default([]) }).prefault({}),
  grants: z.array(grant).default([]),
  refusalCooldownMinutes: z.number().min(0).default(60),
});

const telegram = z.object({
  // grammY refuses a trailing slash; a pasted URL often has one.
  apiRoot: z
    .string()
    .url()
    .default('https://api.telegram.org')
    .transform((url) => url.replace(/\/+$/, '')),
  tokenFile: z.string().nullable().default(null),
  mode: z.enum(['polling', 'webhook']).default('polling'),
  webhookUrl: z.string().nullable().default(null),
  webhookPort: z.number().int().min(0).max(65535).default(8443),
  webhookSecretFile: z.string().nullable().default(null),
});

const discord = z.object({
  apiUrl: z.string().url().default('https://discord.com/api'),
  tokenFile: z.string().nullable().default(null),
  guildId: z.string().nullable().default(null),
});

const slack = z.object({
  apiUrl: z.string().url().default('https://slack.com/api/'),
  mode: z.enum(['socket', 'http']).default('socket'),
  port: z.number().int().min(0).max(65535).default(3000),
  botTokenFile: z.string().nullable().default(null),
  appTokenFile: z.string().nullable().default(null),
  signingSecretFile: z.string().nullable().default(null),
});

const ollama = z.object({
  host: z.string().url().default('http://127.0.0.1:11434'),
});

const router = z.object({
  model: z.string().min(1).default('qwen2.5:1.5b'),
  keepAlive: z.string().default('30m'),
  timeoutSeconds: seconds.default(20),
  historyTurns: z.number().int().min(0).default(6),
  cacheTtlSeconds: seconds.default(86_400),
  cacheMaxEntries: z.number().int().min(0).default(2000),
  cloudChat: z.boolean().default(false),
});

const plan = z.object({
  maxSteps: z.number().int().min(1).max(20).default(5),
  timeoutSeconds: seconds.default(60),
});

const anthropic = z.object({
  baseUrl: z.string().url().nullable().default(null),
  apiKeyFile: z.string().nullable().default(null),
  model: z.string().default(DEFAULT_ANTHROPIC_MODEL),
  models: ids.default(['claude-haiku-4-5', DEFAULT_ANTHROPIC_MODEL, 'claude-opus-4-5']),
  maxTokens: z.number().int().min(1).default(4096),
});

const arxiv = z.object({
  apiUrl: z.string().url().default('http://export.arxiv.org/api/query'),
  categories: ids.default(['cs.AI', 'cs.CL', 'cs.LG']),
  minIntervalMs: z.number().int().min(0).default(3000),
  cacheTtlMinutes: z.number().min(0).default(360),
  pageSize: z.number().int().min(1).max(2000).default(200),
});

const memory = z.object({
  embedder: z.enum(['ollama', 'transformers', 'none']).default('ollama'),
  model: z.string().default('Xenova/all-MiniLM-L6-v2'),
  ollamaModel: z.string().default('all-minilm'),
  modelsDir: z.string().nullable().default(null),
  dedupThreshold: z.number().min(0).max(1).default(0.8),
  idleUnloadMinutes: z.number().min(0).default(10),
  eventLog: z.boolean().default(true),
});

const gitRepo = z.object({
  name: z.string().min(1),
  path: z.string().min(1),
  remote: z.string().default('origin'),
  base: z.string().default('main'),
});

const git = z.object({ repos: z.array(gitRepo).default([]) });

const runCode = z.object({
  timeoutSeconds: seconds.default(5),
  maxOutputBytes: z.number().int().min(256).default(65_536),
  memoryMb: z.number().int().min(16).default(256),
  python: z.string().default('python3'),
  allowUnsandboxed: z.boolean().default(false),
});

const brains = z.object({
  default: z.string().default('claude-code'),
  fallback: ids.default(['aider', 'anthropic']),
  workdir: z.string().nullable().default(null),
  progressIntervalSeconds: seconds.default(30),
  maxTurns: z.number().int().min(1).default(30),
  permissionMode: z.enum(['acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', 'plan']).default('acceptEdits'),
  allowedTools: ids.default([]),
  maxRunUsd: z.number().positive().default(2),
  model: z.string().nullable().default(null),
  // At most a week: the run's timer must stay within what Node's setTimeout can hold.
  runTimeoutMinutes: z.number().positive().max(10_080).default(240),
  // Names of environment variables a brain's process may see beyond the allowlist (never TELEGRAM_*, DISCORD_*, SLACK_*).
  passEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  // Each of a run's stdout and stderr keeps at most this much on disk (the latest output, a marker where it was cut).
  maxOutputMb: z.number().positive().max(1024).default(8),
  // A longer answer is saved as a note in the brain dir's inbox; the reply carries its start and the note's name.
  maxReplyChars: z.number().int().min(200).default(4000),
});

const budget = z.object({
  profile: z.enum(['FREE', 'CAREFUL', 'UNLIMITED']).default('CAREFUL'),
  monthlyUsd: z.number().min(0).default(20),
  dailyUsd: z.number().min(0).nullable().default(null),
  perRunUsd: z.number().min(0).nullable().default(null),
  alertPercents: z.array(z.number().positive()).default([50, 80, 100]),
});

const costs = z.object({
  footer: z.boolean().default(true),
  pricesFile: z.string().nullable().default(null),
  cacheTtlSeconds: seconds.default(86_400),
  cacheMaxEntries: z.number().int().min(0).default(5000),
});

const http = z.object({
  port: z.number().int().min(0).max(65535).nullable().default(null),
  host: z.string().default('127.0.0.1'),
});

const digest = z.object({
  enabled: z.boolean().default(true),
  cron: z.string().default('0 8 * * *'),
  topN: z.number().int().min(1).default(5),
  postWhenEmpty: z.boolean().default(true),
  summaries: z.boolean().default(false),
  summaryBudgetSeconds: seconds.default(120),
});

const heartbeat = z.object({
  cron: z.string().default('*/5 * * * *'),
  minFreeDiskMb: z.number().min(0).default(500),
  maxTemperatureC: z.number().default(75),
  maxQueueLagSeconds: seconds.default(300),
});

const retention = z.object({
  cron: z.string().default('30 3 * * *'),
  taskDays: z.number().min(1).default(30),
  runDays: z.number().min(1).default(14),
  logDays: z.number().min(1).default(14),
  scratchDays: z.number().min(1).default(7),
  memoryDays: z.number().min(1).default(365),
});

const rules = z.object({
  disabled: ids.default([]),
  dir: z.string().nullable().default(null),
});

const jobs = z.object({
  graceMinutes: z.number().min(0).default(180),
  digest: digest.prefault({}),
  heartbeat: heartbeat.prefault({}),
  retention: retention.prefault({}),
});

export const configSchema = z.object({
  timeZone: z.string().default('UTC'),
  log: log.prefault({}),
  storage: storage.prefault({}),
  queue: queue.prefault({}),
  engine: engine.prefault({}),
  delivery: delivery.prefault({}),
  access: access.prefault({}),
  telegram: telegram.prefault({}),
  discord: discord.prefault({}),
  slack: slack.prefault({}),
  ollama: ollama.prefault({}),
  router: router.prefault({}),
  plan: plan.prefault({}),
  anthropic: anthropic.prefault({}),
  arxiv: arxiv.prefault({}),
  memory: memory.prefault({}),
  git: git.prefault({}),
  runCode: runCode.prefault({}),
  brains: brains.prefault({}),
  budget: budget.prefault({}),
  costs: costs.prefault({}),
  http: http.prefault({}),
  rules: rules.prefault({}),
  jobs: jobs.prefault({}),
});

export type Config = z.infer<typeof configSchema>;

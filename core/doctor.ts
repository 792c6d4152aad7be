import { accessSync, constants, mkdirSync } from 'node:fs';
import { type Config, ConfigError, type Paths } from './config.js';
import { configuredModelNotices } from './costs/model-lifecycle.js';
import { checkAdmins, checkNativeModules, checkNode } from './doctor-system.js';
import { probeBubblewrap } from './lib/bubblewrap.js';
import { enabledPacks } from './rule-packs/enabled-packs.js';
import { type Secrets, secretFiles, secretValues } from './secrets.js';

export interface Check {
  name: string;
  ok: boolean;
  /** Works today, but needs attention soon. */
  warn?: boolean;
  detail: string;
  /** What to do about it, when not ok. */
  fix?: string;
}

async function reachable(
  url: string,
  fetchImpl: typeof fetch,
  timeoutMs: number,
  authenticated = false,
): Promise<{ ok: boolean; detail: string }> {
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    // Where the request carries a token, a 401/403 means the token is wrong, not that all is well.
    if (authenticated && (response.status === 401 || response.status === 403)) {
      return { ok: false, detail: `HTTP ${response.status}: the token was rejected` };
    }
    return { ok: response.status < 500, detail: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ok: false, detail: `not reachable (${cause})` };
  }
}

/** `pie-brain doctor`: what works and what to fix, one line each. */
export async function runDoctor(
  config: Config,
  paths: Paths,
  secrets: Secrets,
  options: { fetch?: typeof fetch; timeoutMs?: number; nodeVersion?: string; now?: number; bwrap?: string | null } = {},
): Promise<Check[]> {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 3000;
  const checks: Check[] = [];
  const now = options.now ?? Date.now();
  checks.push(checkNode(options.nodeVersion ?? process.versions.node, now));
  try {
    mkdirSync(paths.home, { recursive: true });
    accessSync(paths.home, constants.W_OK);
    checks.push({ name: 'data dir', ok: true, detail: `${paths.home} is writable` });
  } catch {
    checks.push({ name: 'data dir', ok: false, detail: `${paths.home} is not writable`, fix: 'set PIE_BRAIN_HOME to a writable folder' });
  }
  const sandbox = await probeBubblewrap(options.bwrap);
  const unsandboxed = config.runCode.allowUnsandboxed;
  checks.push({
    name: 'bwrap',
    ok: sandbox.ok || unsandboxed,
    ...(sandbox.ok ? {} : { warn: true }),
    detail: sandbox.ok
      ? sandbox.detail
      : `${sandbox.detail}: /run ${unsandboxed ? 'runs snippets without a sandbox (runCode.allowUnsandboxed)' : 'is refused'}`,
    fix: 'sudo apt-get install bubblewrap',
  });
  for (const notice of configuredModelNotices(config, now)) {
    const retired = notice.state === 'retired';
    checks.push({ name: 'model', ok: !retired, warn: !retired, detail: notice.text, fix: `set ${notice.setting}: ${notice.replacement}` });
  }
  checks.push(rulePacksCheck(config, paths, secrets));
  const ollama = await reachable(new URL('/api/version', config.ollama.host).href, fetchImpl, timeoutMs);
  checks.push({
    name: 'ollama',
    ...ollama,
    fix: `start Ollama (ollama serve) or set OLLAMA_HOST; then: ollama pull ${config.router.model}`,
  });
  if (ollama.ok) checks.push(...(await checkOllamaModels(config, fetchImpl, timeoutMs)));
  if (secrets.telegramToken) {
    const result = await reachable(`${config.telegram.apiRoot}/bot${secrets.telegramToken}/getMe`, fetchImpl, timeoutMs, true);
    checks.push({ name: 'telegram', ...result, fix: 'check TELEGRAM_BOT_TOKEN and the network' });
  }
  if (secrets.discordToken) {
    const result = await reachable(`${config.discord.apiUrl}/v10/gateway`, fetchImpl, timeoutMs);
    checks.push({ name: 'discord', ...result, fix: 'check the network and DISCORD_API_URL' });
  }
  if (secrets.slackBotToken) {
    const result = await reachable(new URL('api.test', config.slack.apiUrl).href, fetchImpl, timeoutMs);
    checks.push({ name: 'slack', ...result, fix: 'check the network and SLACK_API_URL' });
  }
  if (secrets.anthropicApiKey) {
    const base = config.anthropic.baseUrl ?? 'https://api.anthropic.com';
    const result = await reachable(base, fetchImpl, timeoutMs);
    checks.push({ name: 'anthropic', ...result, fix: 'check the network and ANTHROPIC_BASE_URL' });
  }
  checks.push(...(await checkNativeModules(config)));
  checks.push(checkAdmins(config, Boolean(secrets.telegramToken || secrets.discordToken || secrets.slackBotToken)));
  return checks;
}

// Structured outputs (a JSON schema as `format`), which the router relies on, arrived in Ollama 0.5.0.
const FORMAT_SCHEMA_SINCE = [0, 5, 0];

function olderThan(version: string, minimum: readonly number[]): boolean {
  const parts = version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < minimum.length; i += 1) {
    const have = parts[i] ?? 0;
    const want = minimum[i] ?? 0;
    if (have !== want) return have < want;
  }
  return false;
}

async function getJson(url: string, fetchImpl: typeof fetch, timeoutMs: number): Promise<unknown> {
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Ollama new enough for JSON-schema answers, with the router's and the memory's models pulled. */
async function checkOllamaModels(config: Config, fetchImpl: typeof fetch, timeoutMs: number): Promise<Check[]> {
  const checks: Check[] = [];
  const version = (await getJson(new URL('/api/version', config.ollama.host).href, fetchImpl, timeoutMs)) as
    | { version?: unknown }
    | undefined;
  if (typeof version?.version === 'string') {
    const old = olderThan(version.version, FORMAT_SCHEMA_SINCE);
    checks.push({
      name: 'ollama version',
      ok: !old,
      detail: old
        ? `Ollama ${version.version} cannot answer in a JSON schema (format)`
        : `Ollama ${version.version} answers in a JSON schema`,
      fix: 'update Ollama to 0.5.0 or newer: curl -fsSL https://ollama.com/install.sh | sh',
    });
  }
  const tags = (await getJson(new URL('/api/tags', config.ollama.host).href, fetchImpl, timeoutMs)) as
    | { models?: Array<{ name?: unknown }> }
    | undefined;
  const installed = new Set((tags?.models ?? []).map((model) => String(model.name)));
  const has = (name: string) => installed.has(name) || installed.has(name.includes(':') ? name : `${name}:latest`);
  const wanted: Array<[string, string]> = [['router model', config.router.model]];
  if (config.memory.embedder === 'ollama') wanted.push(['embedding model', config.memory.ollamaModel]);
  for (const [role, model] of wanted) {
    checks.push({
      name: role,
      ok: has(model),
      detail: has(model)
        ? `${model} is pulled`
        : `${model} is not pulled${role === 'embedding model' ? ': search by meaning waits for it' : ''}`,
      fix: `ollama pull ${model} (or: pie-brain models pull)`,
    });
  }
  return checks;
}

/** The rule packs that would be in force: a broken user pack fails here before it stops a start. */
function rulePacksCheck(config: Config, paths: Paths, secrets: Secrets): Check {
  try {
    const { packs, warnings } = enabledPacks({ config, paths, secrets: secretValues(secrets), secretFiles: secretFiles(config) });
    const names = packs.map((pack) => pack.id).join(', ') || 'none';
    return { name: 'rule packs', ok: true, ...(warnings.length ? { warn: true } : {}), detail: [names, ...warnings].join('; ') };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { name: 'rule packs', ok: false, detail: error.problems.join('; '), fix: 'correct the rule pack file, or remove it' };
  }
}

export function formatChecks(checks: Check[]): string {
  return checks
    .map(
      (check) =>
        `${check.ok ? (check.warn ? 'warn' : 'ok  ') : 'FAIL'} ${check.name}: ${check.detail}${(check.ok && !check.warn) || !check.fix ? '' : `\n     fix: ${check.fix}`}`,
    )
    .join('\n');
}

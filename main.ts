#!/usr/bin/env node
// The command line: start, init, doctor and the other subcommands; compose.ts wires the program together.
import { fstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compose, createAdapters, version } from './compose.js';
import { ConfigError, type LoadedConfig, loadConfig } from './core/config.js';
import { runCostsCli } from './core/costs/costs-cli.js';
import { formatChecks, runDoctor } from './core/doctor.js';
import { EventBus } from './core/engine/events.js';
import { ToolRegistry } from './core/engine/tool-registry.js';
import { describeForUser } from './core/errors.js';
import { initHome } from './core/init-home.js';
import { systemClock } from './core/lib/clock.js';
import { createLogger, flushLogger, stderrIsJournal } from './core/logger.js';
import { runMemoryCli } from './core/memory-log/memory-cli.js';
import { loadSecrets, type Secrets, secretValues } from './core/secrets.js';
import { loadTools } from './tools/index.js';
import { openInboxArchive } from './tools/lib/note-archive.js';
import { closeNoteStore } from './tools/lib/open-memory.js';

const USAGE = `pie-brain: a personal assistant for a Raspberry Pi

Usage: pie-brain [command] [--config PATH]

Commands:
  start     run pie-brain (the default); with no platform token, a console chat
  init      create the data dir, ~/brain/profile/user_prefs.md and ~/brain/inbox/
  doctor    check Node, the data dir and every configured service, and say what to fix
  models pull  have Ollama pull the router and embedding models now (transformers embedder: HF_ENDPOINT, a Hub mirror)
  commands  the command table: commands [--format text|json|slack-manifest]
  version   print the version
  costs     costs export --format csv|json [--since DATE]; costs monitor --format csv|json
  memory    memory snapshot [--since DATE]: the event log and notes to $PIE_BRAIN_HOME/snapshots/;
            memory restore FILE: rebuild notes, vectors and events on a fresh data dir
  replay    replay <task-id> [--live] [--json]: run a task again against its recording and show what changed
  help      print this help
`;

interface Cli {
  command: string;
  configPath: string | undefined;
  rest: string[];
}

function parseCli(argv: string[]): Cli {
  const rest: string[] = [];
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--config') {
      configPath = argv[i + 1];
      i += 1;
    } else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else if (arg === '--help' || arg === '-h') rest.unshift('help');
    else rest.push(arg);
  }
  return { command: rest.shift() ?? 'start', configPath, rest };
}

/** Config problems (and broken rule packs): one line each on stderr, exit 2, never a stack trace. */
function exitWithProblems(error: ConfigError): never {
  process.stderr.write(`pie-brain: the configuration cannot be used:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(2);
}

function loadOrExit(cli: Cli): { loaded: LoadedConfig; secrets: Secrets } {
  try {
    const loaded = loadConfig({ cliPath: cli.configPath, env: process.env });
    const secrets = loadSecrets(loaded.config, process.env);
    return { loaded, secrets };
  } catch (error) {
    if (error instanceof ConfigError) exitWithProblems(error);
    throw error;
  }
}

/** `pie-brain commands`: the command table as a list, JSON, or the Slack app manifest (composed on a scratch data dir). */
async function printCommands(cli: Cli): Promise<void> {
  const format = cli.rest[cli.rest.indexOf('--format') + 1] ?? 'text';
  if (!['text', 'json', 'slack-manifest'].includes(format)) {
    process.stderr.write('Usage: pie-brain commands [--format text|json|slack-manifest]\n');
    process.exitCode = 2;
    return;
  }
  const { loaded } = loadOrExit(cli);
  const scratch = mkdtempSync(join(tmpdir(), 'pie-brain-commands-'));
  const paths = { home: join(scratch, 'home'), brainDir: join(scratch, 'brain') };
  const logger = await createLogger({ level: 'silent' });
  try {
    const { runtime } = await compose({ ...loaded, paths }, {}, logger, { http: false });
    const menu = runtime.commands.menu();
    await runtime.stop(100);
    if (format === 'json') process.stdout.write(`${JSON.stringify(menu, null, 2)}\n`);
    else if (format === 'slack-manifest') process.stdout.write((await import('./bots/slack-manifest.js')).slackManifest(menu));
    else for (const entry of menu) process.stdout.write(`${entry.usage}\t${entry.description}${entry.adminOnly ? ' (admin)' : ''}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `pie-brain memory snapshot|restore`: the memory written out as JSON Lines, or rebuilt from them. */
async function runMemory(cli: Cli): Promise<number> {
  const { loaded, secrets } = loadOrExit(cli);
  const logger = await createLogger({ level: 'warn', pretty: process.stderr, secrets: secretValues(secrets) });
  const memory = openInboxArchive({ config: loaded.config, paths: loaded.paths, logger });
  const write = (stream: NodeJS.WriteStream) => (chunk: string) => void stream.write(chunk);
  try {
    return await runMemoryCli(
      cli.rest,
      {
        ...loaded,
        clock: systemClock,
        version: version(),
        notes: memory.archive,
        embedder: memory.embedder,
        secrets: secretValues(secrets),
      },
      { out: write(process.stdout), err: write(process.stderr) },
    );
  } finally {
    await memory.close();
  }
}

/** `pie-brain replay`: today's tools are loaded for their names, schemas and slash commands; none of them runs. */
async function replay(cli: Cli): Promise<number> {
  const { loaded, secrets } = loadOrExit(cli);
  const { config, paths } = loaded;
  const logger = await createLogger({ level: 'silent' });
  const write = (stream: NodeJS.WriteStream) => (chunk: string) => void stream.write(chunk);
  // Loaded for this command only: the diff library and the replay code are not part of a running pie-brain.
  const { runReplayCli } = await import('./core/replay/replay-cli.js');
  return runReplayCli(cli.rest, {
    config,
    paths,
    secrets: secretValues(secrets),
    logger,
    loadTools: async (db) => {
      const registry = new ToolRegistry();
      const bus = new EventBus(() => {});
      await loadTools({ config, paths, logger, clock: systemClock, db, bus }, registry);
      return registry.list();
    },
    out: write(process.stdout),
    err: write(process.stderr),
  });
}

function statOf(fd: number): { dev: number; ino: number; readable: boolean } | undefined {
  try {
    const stat = fstatSync(fd);
    return { dev: stat.dev, ino: stat.ino, readable: stat.isFIFO() || stat.isFile() || stat.isSocket() };
  } catch {
    return undefined;
  }
}

async function start(cli: Cli): Promise<void> {
  const { loaded, secrets } = loadOrExit(cli);
  const { config, paths } = loaded;
  // The console chat owns the terminal when no platform is configured: only warnings join it there, and
  // none while a person types. A daemon with platforms gets readable lines on its terminal.
  const consoleChat = !(secrets.telegramToken || secrets.discordToken || secrets.slackBotToken);
  const journal = stderrIsJournal(process.env, statOf(2));
  // No platform and no one at the console (systemd gives /dev/null as input): a configuration problem, so exit 2,
  // which the unit does not restart. Piped or redirected input is a console chat that ends with its input.
  if (consoleChat && !process.stdin.isTTY && !statOf(0)?.readable) {
    process.stderr.write(
      `${journal ? '<3>' : ''}pie-brain: no chat platform is configured and standard input is not a terminal or a pipe, so nobody could talk to it. Set TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN or SLACK_BOT_TOKEN (under systemd: in /etc/pie-brain.env), or run it in a terminal for the console chat.\n`,
    );
    process.exit(2);
  }
  const showLogs = process.stderr.isTTY && !(consoleChat && process.stdin.isTTY);
  const logger = await createLogger({
    level: config.log.level,
    // Under systemd the journal keeps (and rotates) the log: no second copy on the SD card.
    ...(journal
      ? { journal: process.stderr }
      : { dir: join(paths.home, 'logs'), fileSizeMb: config.log.fileSizeMb, files: config.log.files }),
    ...(showLogs ? { pretty: process.stderr, prettyLevel: consoleChat ? 'warn' : config.log.level } : {}),
    secrets: secretValues(secrets),
  });
  for (const warning of loaded.warnings) logger.warn(warning);
  const { runtime, notes, memoryLog, scheduler, routing } = await compose(loaded, secrets, logger);
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'stopping');
      await runtime.stop();
      await closeNoteStore(notes);
      await memoryLog?.close();
      logger.info('stopped');
      await flushLogger(logger);
      process.exit(0);
    })();
    return stopping;
  };
  for (const adapter of await createAdapters(
    loaded,
    secrets,
    logger,
    () => runtime.commands.menu(),
    () => void shutdown('console input ended'),
  )) {
    runtime.addAdapter(adapter);
    const hint = runtime.policy.setupHint(adapter.platform);
    if (hint && adapter.platform !== 'console') process.stderr.write(`${hint}\n`);
  }
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await runtime.start();
  scheduler.start();
  void routing.router.warmUp(); // evaluate the prompt prefix before the first request needs it
  logger.info({ home: paths.home, config: loaded.source ?? 'embedded defaults', version: version() }, 'pie-brain is ready');
  if (process.env.PIE_BRAIN_READY_FILE) {
    writeFileSync(process.env.PIE_BRAIN_READY_FILE, String(Date.now()));
  }
}

async function main(argv: string[]): Promise<void> {
  const cli = parseCli(argv);
  switch (cli.command) {
    case 'start':
      await start(cli);
      return;
    case 'init': {
      const { loaded } = loadOrExit(cli);
      const created = initHome(loaded.paths);
      process.stdout.write(
        created.length ? `Created:\n${created.map((p) => `  ${p}`).join('\n')}\n` : 'Everything was already in place.\n',
      );
      return;
    }
    case 'doctor': {
      const { loaded, secrets } = loadOrExit(cli);
      const checks = await runDoctor(loaded.config, loaded.paths, secrets);
      process.stdout.write(`${formatChecks(checks)}\n`);
      process.exitCode = checks.every((check) => check.ok) ? 0 : 1;
      return;
    }
    case 'models': {
      // The embedding model is fetched ahead of time, so the Pi needs no internet later.
      if (cli.rest[0] !== 'pull') {
        process.stderr.write('Usage: pie-brain models pull\n');
        process.exitCode = 2;
        return;
      }
      const { loaded } = loadOrExit(cli);
      const { pullEmbeddingModel } = await import('./tools/lib/pull-models.js');
      const say = (line: string) => process.stdout.write(`${line}\n`);
      try {
        await pullEmbeddingModel({ config: loaded.config, paths: loaded.paths, remoteHost: process.env.HF_ENDPOINT, say });
      } catch (error) {
        process.stderr.write(`pie-brain: ${describeForUser(error)}\n`);
        process.exitCode = 1;
      }
      return;
    }
    case 'costs': {
      const { loaded } = loadOrExit(cli);
      const write = (stream: NodeJS.WriteStream) => (chunk: string) => void stream.write(chunk);
      process.exitCode = runCostsCli(cli.rest, loaded, { out: write(process.stdout), err: write(process.stderr) });
      return;
    }
    case 'memory':
      process.exitCode = await runMemory(cli);
      return;
    case 'commands':
      await printCommands(cli);
      return;
    case 'replay':
      process.exitCode = await replay(cli);
      return;
    case 'version':
      process.stdout.write(`pie-brain ${version()} (Node ${process.versions.node})\n`);
      return;
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`pie-brain: unknown command "${cli.command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // A broken rule pack is found while composing: told like a broken config.
  if (error instanceof ConfigError) exitWithProblems(error);
  process.stderr.write(`pie-brain: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

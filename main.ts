#!/usr/bin/env node
// The composition root and command line: the one file that wires every folder together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleAdapter } from './bots/console.js';
import type { ChatAdapter } from './core/chat-adapter.js';
import { ConfigError, type LoadedConfig, loadConfig } from './core/config.js';
import { formatChecks, runDoctor } from './core/doctor.js';
import { describeForUser } from './core/errors.js';
import { initHome } from './core/init-home.js';
import { createLogger, flushLogger, type Logger } from './core/logger.js';
import { Runtime } from './core/runtime.js';
import { loadSecrets, type Secrets, secretValues } from './core/secrets.js';

const USAGE = `pie-brain: a personal assistant for a Raspberry Pi

Usage: pie-brain [command] [--config PATH]

Commands:
  start     run pie-brain (the default); with no platform token, a console chat
  init      create the data dir, ~/brain/profile/user_prefs.md and ~/brain/inbox/
  doctor    check Node, the data dir and every configured service, and say what to fix
  models pull  fetch the embedding model now, while there is internet (HF_ENDPOINT: a Hub mirror)
  version   print the version
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

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Config problems: one line each on stderr, exit 2, never a stack trace. */
function loadOrExit(cli: Cli): { loaded: LoadedConfig; secrets: Secrets } {
  try {
    const loaded = loadConfig({ cliPath: cli.configPath, env: process.env });
    const secrets = loadSecrets(loaded.config, process.env);
    return { loaded, secrets };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pie-brain: the configuration cannot be used:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** The chat platforms with a token configured; the console when there is none. */
function createAdapters(_loaded: LoadedConfig, _secrets: Secrets, logger: Logger, onConsoleDone: () => void): ChatAdapter[] {
  const adapters: ChatAdapter[] = [];
  if (adapters.length === 0) {
    const interactive = Boolean(process.stdin.isTTY);
    logger.info({ interactive }, 'no platform token configured: starting the console chat');
    adapters.push(new ConsoleAdapter({ input: process.stdin, output: process.stdout, interactive, onDone: onConsoleDone }));
  }
  return adapters;
}

async function start(cli: Cli): Promise<void> {
  const { loaded, secrets } = loadOrExit(cli);
  const { config, paths } = loaded;
  const logger = await createLogger({
    level: config.log.level,
    dir: join(paths.home, 'logs'),
    fileSizeMb: config.log.fileSizeMb,
    files: config.log.files,
    // Readable lines on a terminal; stdout belongs to the console chat.
    ...(process.stderr.isTTY && !process.stdin.isTTY ? { pretty: process.stderr } : {}),
    secrets: secretValues(secrets),
  });
  for (const warning of loaded.warnings) logger.warn(warning);
  const runtime = new Runtime({ config, paths, logger });
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'stopping');
      await runtime.stop();
      logger.info('stopped');
      await flushLogger(logger);
      process.exit(0);
    })();
    return stopping;
  };
  for (const adapter of createAdapters(loaded, secrets, logger, () => void shutdown('console input ended'))) {
    runtime.addAdapter(adapter);
    const hint = runtime.policy.setupHint(adapter.platform);
    if (hint && adapter.platform !== 'console') process.stderr.write(`${hint}\n`);
  }
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await runtime.start();
  logger.info({ home: paths.home, config: loaded.source ?? 'embedded defaults', version: version() }, 'pie-brain is ready');
  if (process.env.PIE_BRAIN_READY_FILE) {
    const { writeFileSync } = await import('node:fs');
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
      // Memory (issue 5): the embedding model is fetched ahead of time, so the Pi needs no internet later.
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
  process.stderr.write(`pie-brain: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { Config } from '../../../core/config.js';
import type { ModelChooser } from '../../../core/contracts/model-choice.js';
import type { RepoWorkflow } from '../../../core/contracts/repo-workflow.js';
import type { SpendGate } from '../../../core/contracts/spend.js';
import { type BudgetSettings, budgetSettings } from '../../../core/costs/budget.js';
import { SqliteSpendGate } from '../../../core/costs/spend-gate.js';
import { setupHandoff } from '../../../core/handoff/setup.js';
import type { Clock } from '../../../core/lib/clock.js';
import { installRouter } from '../../../core/router/install.js';
import { Runtime } from '../../../core/runtime.js';
import { SpendReservationStore } from '../../../storage/spend-reservations.js';
import { FAKE_CLI_ENV } from '../../brains/brain-deps.js';
import { FakeChatAdapter } from '../../fakes/chat-adapter.js';
import { RecordingGitWorkflow } from '../../fakes/git-workflow.js';
import { FakePriceBook, FakeSpendGate } from '../../fakes/spend.js';
import { quietLogger, tempDir, testConfig, testPaths, waitFor } from '../../helpers.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FAKE_BIN = join(ROOT, 'test', 'fixtures', 'bin');
export const BRAINS_DIR = join(ROOT, 'brains');

export interface FakeCliEvent {
  tool: string;
  event: string;
  pid: number;
  at: number;
  argv?: string[];
  cwd?: string;
  /** The prompt as the fake CLI read it (argv text and stdin, as the real one joins them). */
  prompt?: string;
  stdin?: string;
  /** The names of the fake CLI's environment variables. */
  env?: string[];
  path?: string;
  /** A repository config file the fake CLI read (project-config-loaded). */
  file?: string;
  child?: number;
}

/** Lines the fake claude / aider / gh wrote to $FAKE_BRAIN_LOG. */
export function readCliLog(file: string): FakeCliEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FakeCliEvent);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** A port nothing listens on: Ollama is down. */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export type TestConfigOverrides = Parameters<typeof testConfig>[0];

export interface HandoffHostOptions {
  config?: TestConfigOverrides;
  env?: Record<string, string>;
  /** PATH for the children; the fake CLIs first by default. */
  path?: string;
  limitUsd?: number;
  /** Budgets through the real SQLite spend gate (holds in the data dir's database) instead of the fake. */
  budget?: Partial<BudgetSettings>;
  git?: RepoWorkflow;
  anthropicApiKey?: string;
  /** The runtime's clock (share one across a restart); the system clock by default. */
  clock?: Clock;
  /** Reuse a data dir (a restart of the same pie-brain). */
  dir?: { path: string; remove(): void };
  /** Install the router too, with the local model at this host (a closed port: Ollama is down). */
  ollamaHost?: string;
  /** The fake platform's name (config access.allowedUsers knows telegram, discord and slack). */
  platform?: string;
  /** Configured secret values (the secrets rule pack redacts them). */
  secrets?: string[];
  /** The paid-model router main.ts hands the brains. */
  models?: ModelChooser;
}

/** A runtime with the fake chat adapter and the cloud brains wired, on a temp data dir, with the fake CLIs on PATH. */
export async function startHandoffHost(options: HandoffHostOptions = {}) {
  const dir = options.dir ?? tempDir('pie-brain-handoff-');
  const logFile = join(dir.path, 'cli.log');
  const gate = join(dir.path, 'gate');
  const config: Config = testConfig({
    ...options.config,
    access: { admins: [`${options.platform ?? 'fake'}:owner`], ...options.config?.access },
    brains: { progressIntervalSeconds: 0.05, passEnv: FAKE_CLI_ENV, ...options.config?.brains },
  });
  const paths = testPaths(dir.path);
  const runtime = new Runtime({
    config,
    paths,
    logger: quietLogger(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  const adapter = new FakeChatAdapter(options.platform ?? 'fake');
  runtime.addAdapter(adapter);
  const spend = new FakeSpendGate(options.limitUsd ?? 100);
  const holds = new SpendReservationStore(runtime.db);
  const spendGate: SpendGate = options.budget
    ? new SqliteSpendGate({
        ledger: runtime.ledger,
        holds,
        clock: runtime.clock,
        settings: { ...budgetSettings(config), ...options.budget },
      })
    : spend;
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: options.path ?? `${FAKE_BIN}:${dirname(process.execPath)}:${process.env.PATH}`,
    HOME: dir.path,
    FAKE_BRAIN_LOG: logFile,
    FAKE_BRAIN_GATE: gate,
    FAKE_CLAUDE_SESSIONS: join(dir.path, 'sessions.jsonl'),
    FAKE_GH_COUNTER: join(dir.path, 'prs'),
    ...options.env,
  };
  const { harness, brains, handler } = await setupHandoff({
    runtime,
    config: runtime.options.config,
    paths: runtime.options.paths,
    logger: runtime.options.logger,
    brainsDir: BRAINS_DIR,
    env,
    anthropicApiKey: options.anthropicApiKey,
    spend: spendGate,
    prices: new FakePriceBook(),
    ...(options.models ? { models: options.models } : {}),
    ...(options.git ? { git: options.git } : {}),
    timing: { tickMs: 25, finalGraceMs: 500, killGraceMs: 1000 },
  });
  if (options.ollamaHost) {
    installRouter(runtime, {
      config: { ...config, ollama: { host: options.ollamaHost } },
      paths,
      logger: quietLogger(),
      handoff: handler,
    });
  }
  await runtime.start();
  return {
    dir,
    runtime,
    adapter,
    spend,
    holds,
    harness,
    brains,
    paths,
    logFile,
    cli: () => readCliLog(logFile),
    cloudIdle: () => runtime.limits.cloud.inUse === 0 && runtime.limits.cloud.waiting === 0,
    /** Let [wait] runs finish. */
    openGate: () => writeFileSync(gate, 'go'),
    /** Send a message as the owner and wait until its task is answered. */
    async ask(text: string, overrides: Parameters<FakeChatAdapter['receive']>[1] = {}) {
      const result = await adapter.receive(text, overrides);
      if (result.status === 'refused') throw new Error(`refused: ${result.reason}`);
      return result.taskId;
    },
    answered: (taskId: number, timeoutMs = 20_000) =>
      Promise.race([
        runtime.intake.whenAnswered(taskId),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`task ${taskId} was not answered`)), timeoutMs)),
      ]),
    /** The pid of the task's last run: its capture process, leader of the run's process group. */
    runPid: (taskId: number) =>
      (
        runtime.db.prepare('SELECT pid FROM brain_runs WHERE task_id = ? ORDER BY seq DESC LIMIT 1').get(taskId) as
          | { pid: number | null }
          | undefined
      )?.pid,
    /** Replies (not progress) the adapter sent for a task, in order. */
    repliesFor: (taskId: number) =>
      runtime.outbox
        .forTask(taskId)
        .filter((row) => row.kind === 'reply')
        .map((row) => row.body as { text: string; footer?: string }),
    waitForCli: (tool: string, event: string, count = 1) =>
      waitFor(() => readCliLog(logFile).filter((e) => e.tool === tool && e.event === event).length >= count, 15_000, `${tool} ${event}`),
    /** Stop pie-brain; runs go on. `keep` leaves the data dir for a restart. */
    async close(keep = false) {
      await runtime.stop(1000);
      if (!keep) dir.remove();
    },
  };
}

export type HandoffHost = Awaited<ReturnType<typeof startHandoffHost>>;

/** The git identity the tests' repositories commit with (the real workflow passes no GIT_* variables to git). */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'pie-brain',
  GIT_AUTHOR_EMAIL: 'pie@example.invalid',
  GIT_COMMITTER_NAME: 'pie-brain',
  GIT_COMMITTER_EMAIL: 'pie@example.invalid',
};

/** A working copy `my-repo` cloned from a bare "origin", with one commit on main, and a recording workflow over it. */
export function createOriginRepo() {
  const dir = tempDir('pie-brain-repo-');
  const origin = join(dir.path, 'origin.git');
  const work = join(dir.path, 'my-repo');
  const env = { ...process.env, ...GIT_IDENTITY, HOME: dir.path, PATH: `${FAKE_BIN}:${dirname(process.execPath)}:${process.env.PATH}` };
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git(dir.path, 'init', '--bare', '--initial-branch=main', origin);
  git(dir.path, 'clone', origin, work);
  git(work, 'checkout', '-B', 'main');
  // The identity lives in the repository, not in the environment of the workflow's git.
  git(work, 'config', 'user.name', 'pie-brain');
  git(work, 'config', 'user.email', 'pie@example.invalid');
  git(work, 'commit', '--allow-empty', '-m', 'start');
  git(work, 'push', '-u', 'origin', 'main');
  const repos = [{ name: 'my-repo', path: work, base: 'main', remote: 'origin' }];
  return { dir, origin, work, env, git, repos, workflow: new RecordingGitWorkflow(repos, env) };
}

/**
 * Hosts that share one data dir within a test (a restart is a new host on the same dir). After each test every
 * host is closed, its [wait] runs let go, and the dir removed. Call at the top of a test file.
 */
export function hostsOnOneDir(prefix: string, defaults: HandoffHostOptions = {}) {
  const hosts: HandoffHost[] = [];
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    for (const host of hosts.splice(0)) {
      host.openGate();
      await host.close(true);
    }
    dir?.remove();
    dir = undefined;
  });
  return {
    async start(options: HandoffHostOptions = {}): Promise<HandoffHost> {
      dir ??= tempDir(prefix);
      const host = await startHandoffHost({ ...defaults, ...options, dir });
      hosts.push(host);
      return host;
    },
    /** pie-brain stops; its runs go on, and the dir stays for the next start. */
    async stop(host: HandoffHost): Promise<void> {
      hosts.splice(hosts.indexOf(host), 1);
      await host.close(true);
    },
    /** A host the test stopped its own way: not closed again after the test. */
    forget(host: HandoffHost): void {
      hosts.splice(hosts.indexOf(host), 1);
    },
  };
}

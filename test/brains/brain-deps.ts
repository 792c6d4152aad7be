import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../core/config.js';
import type { BrainCommand, BrainDeps, BrainOutputs } from '../../core/contracts/brain.js';
import { childEnv } from '../../core/handoff/child-env.js';
import { systemClock } from '../../core/lib/clock.js';
import { FakePriceBook } from '../fakes/spend.js';
import { quietLogger, testConfig, testPaths } from '../helpers.js';

export const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));

/** The fake CLIs' own settings: a brain's child sees them only because config brains.passEnv names them. */
export const FAKE_CLI_ENV = [
  'FAKE_BRAIN_LOG',
  'FAKE_BRAIN_GATE',
  'FAKE_CLAUDE_SESSIONS',
  'FAKE_CLAUDE_COST',
  'FAKE_CLAUDE_LOGGED_OUT',
  'FAKE_AIDER_NO_KEY',
  'FAKE_AIDER_STEP_MS',
];

/** What main.ts hands a brain factory, with the fake CLIs first on PATH. */
export function brainDeps(
  root: string,
  overrides: { config?: Parameters<typeof testConfig>[0]; env?: Record<string, string>; anthropicApiKey?: string } = {},
): BrainDeps {
  return {
    config: testConfig({ ...overrides.config, brains: { passEnv: FAKE_CLI_ENV, ...overrides.config?.brains } }),
    paths: testPaths(root),
    logger: quietLogger(),
    clock: systemClock,
    env: { PATH: `${FAKE_BIN}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: root, ...overrides.env },
    prices: new FakePriceBook(),
    ...(overrides.anthropicApiKey ? { anthropicApiKey: overrides.anthropicApiKey } : {}),
  };
}

/** Run a fake CLI to completion and hand back what a run's files would hold. */
export function runFake(tool: string, args: string[], env: Record<string, string> = {}, cwd = process.cwd()): BrainOutputs {
  try {
    const stdout = execFileSync(join(FAKE_BIN, tool), args, {
      cwd,
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { stdout, stderr: '', exitCode: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null };
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', exitCode: exitCodeOf(failed.status, failed.signal) };
  }
}

/** Killed by a signal: the shell's convention, as the harness records it. */
function exitCodeOf(status: number | null, signal: NodeJS.Signals | null): number | null {
  return status ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
}

/**
 * Start a brain's command as the harness does (an argv array, the allowlisted environment plus what the brain
 * adds and the names `pass` lets through, its stdin text then end of input) and collect its output.
 */
export function runCommand(
  command: BrainCommand,
  env: Env,
  pass: readonly string[] = [],
): { child: ChildProcess; done: Promise<BrainOutputs> } {
  // Standard input is a file, as the harness gives it (stdin.txt in the run folder), or nothing.
  let input: number | 'ignore' = 'ignore';
  if (command.stdin !== undefined) {
    const folder = mkdtempSync(join(tmpdir(), 'pie-brain-stdin-'));
    writeFileSync(join(folder, 'stdin.txt'), command.stdin, { mode: 0o600 });
    input = openSync(join(folder, 'stdin.txt'), 'r');
    rmSync(folder, { recursive: true, force: true });
  }
  let child: ChildProcess;
  try {
    child = spawn(command.file, command.args, {
      cwd: command.cwd,
      env: childEnv(env, { pass, ...(command.env ? { add: command.env } : {}) }),
      stdio: [input, 'pipe', 'pipe'],
    });
  } finally {
    if (typeof input === 'number') closeSync(input);
  }
  const done = new Promise<BrainOutputs>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ stdout, stderr, exitCode: exitCodeOf(status, signal) }));
  });
  return { child, done };
}

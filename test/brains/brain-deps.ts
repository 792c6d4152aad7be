import { execFileSync } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrainDeps, BrainOutputs } from '../../core/brain.js';
import { systemClock } from '../../core/clock.js';
import { FakePriceBook } from '../fakes/spend.js';
import { quietLogger, testConfig, testPaths } from '../helpers.js';

export const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));

/** What main.ts hands a brain factory, with the fake CLIs first on PATH. */
export function brainDeps(
  root: string,
  overrides: { config?: Parameters<typeof testConfig>[0]; env?: Record<string, string>; anthropicApiKey?: string } = {},
): BrainDeps {
  return {
    config: testConfig(overrides.config),
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
    // Killed by a signal: the shell's convention, as the harness records it.
    const exitCode = failed.status ?? (failed.signal ? 128 + (constants.signals[failed.signal] ?? 0) : null);
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', exitCode };
  }
}

import { execFile } from 'node:child_process';
import type {
  Brain,
  BrainCommand,
  BrainDeps,
  BrainDetection,
  BrainJob,
  BrainOutputs,
  BrainProgress,
  BrainResult,
  BrainUsage,
} from '../core/contracts/brain.js';
import { childEnv } from '../core/handoff/child-env.js';

export type {
  Brain,
  BrainCommand,
  BrainDeps,
  BrainDetection,
  BrainFactory,
  BrainJob,
  BrainOutputs,
  BrainProgress,
  BrainResult,
  BrainUsage,
} from '../core/contracts/brain.js';

export const NO_USAGE: BrainUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

/** One line of JSON output as an object, or undefined for anything else (banners, partial lines). */
export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** An Anthropic-style usage object (the Messages API, Claude Code's stream-json), cache writes included. */
export function readUsage(value: unknown): BrainUsage {
  const usage = (value ?? {}) as Record<string, unknown>;
  const creation = (usage.cache_creation ?? {}) as Record<string, unknown>;
  return {
    inputTokens: numberOr(usage.input_tokens, 0),
    outputTokens: numberOr(usage.output_tokens, 0),
    cacheReadTokens: numberOr(usage.cache_read_input_tokens, 0),
    cacheWriteTokens: numberOr(usage.cache_creation_input_tokens, 0),
    cacheWrite1hTokens: numberOr(creation.ephemeral_1h_input_tokens, 0),
  };
}

/**
 * The fixed first line of every prompt a CLI brain receives. CLIs read a first character of `/` or `!` as
 * their own command (aider runs `/run` and `!` in a shell; Claude Code runs slash commands), and argv text
 * starting with `-` as an option: after this line, whatever the user wrote is only ever text for the model.
 */
export const PROMPT_HEADER = 'User request (verbatim):';

/** The user's text as data: the header line, then the text unchanged. */
export function asUserRequest(text: string): string {
  return `${PROMPT_HEADER}\n${text}`;
}

/** The last non-empty line of some text (for short error reasons). */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.at(-1) ?? '';
}

/**
 * The seed's brain contract: `detect()`, `buildCommand(job)` (an argv array, never a shell string),
 * `parseProgress(line)`, `parseResult(outputs)`. A brain never runs anything itself besides detection:
 * core's harness starts its command detached and hands the output back.
 */
export abstract class BaseBrain implements Brain {
  readonly specificationVersion = 'v1' as const;
  abstract readonly name: string;
  readonly coding: boolean = true;
  readonly resumable: boolean = false;
  /** The CLI found on PATH, asked for `--version` by detect(). */
  protected abstract readonly executable: string;

  constructor(protected readonly deps: BrainDeps) {}

  /** Dollars for usage of an Anthropic model, from the price book; undefined when it cannot say. */
  protected priceAnthropicUsage(usage: BrainUsage, model: string | undefined): number | undefined {
    if (!this.deps.prices || !model) return undefined;
    try {
      return this.deps.prices.costUsd('anthropic', model, {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadTokens,
        cacheWrite5mTokens: usage.cacheWriteTokens - (usage.cacheWrite1hTokens ?? 0),
        cacheWrite1hTokens: usage.cacheWrite1hTokens ?? 0,
      });
    } catch {
      return undefined;
    }
  }

  abstract buildCommand(job: BrainJob): BrainCommand;
  abstract parseProgress(line: string): BrainProgress | undefined;
  abstract parseResult(outputs: BrainOutputs): BrainResult;

  /** Installed (answers `--version`) and, where it can be told without a paid call, logged in. */
  async detect(): Promise<BrainDetection> {
    const probe = await this.probeVersion();
    if (!probe.installed) return { available: false, installed: false, detail: probe.detail };
    const login = await this.checkLogin();
    const detection: BrainDetection = {
      available: login.loggedIn !== false,
      installed: true,
      detail: login.detail,
      ...(probe.version ? { version: probe.version } : {}),
      ...(login.loggedIn !== undefined ? { loggedIn: login.loggedIn } : {}),
    };
    return detection;
  }

  /** Whether the brain can authenticate; undefined when only a run would tell. */
  protected async checkLogin(): Promise<{ loggedIn?: boolean; detail: string }> {
    return { detail: 'installed; login is checked by the first run' };
  }

  protected probeVersion(): Promise<{ installed: boolean; version?: string; detail: string }> {
    return new Promise((resolve) => {
      execFile(
        this.executable,
        ['--version'],
        { env: childEnv(this.deps.env, { pass: this.deps.config.brains.passEnv }), timeout: 15_000, maxBuffer: 64 * 1024 },
        (error, stdout, stderr) => {
          const code = (error as NodeJS.ErrnoException | null)?.code;
          if (code === 'ENOENT') {
            resolve({ installed: false, detail: `${this.executable} is not installed (not found on PATH)` });
            return;
          }
          if (error) {
            resolve({ installed: false, detail: `${this.executable} --version failed: ${lastLine(stderr) || error.message}` });
            return;
          }
          const version = /\d+\.\d+(\.\d+)?/.exec(stdout)?.[0];
          resolve({ installed: true, ...(version ? { version } : {}), detail: 'installed' });
        },
      );
    });
  }
}

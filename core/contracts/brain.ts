import type { Config, Env, Paths } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { ModelChoiceNote, ModelChooser } from './model-choice.js';
import type { PriceBook } from './spend.js';

/**
 * The cloud brain specification (version 1). Core's harness only ever talks to this contract; brains/base.ts
 * gives the `BaseBrain` class every brain in brains/ extends, and the registry loads each module of that folder.
 */

/** What one run of a brain is asked to do, and where. */
export interface BrainJob {
  taskId: number;
  prompt: string;
  /** The working directory: the target repository, or a scratch folder. */
  cwd: string;
  /** $PIE_BRAIN_HOME/runs/<task>/<seq>-<brain>: where the run's files live. */
  runDir: string;
  /** The user's preferences (profile/user_prefs.md), for the system prompt. */
  userPrefs?: string;
  userPrefsFile?: string;
  /** A session of the same thread, started in the same `cwd`, to continue. */
  resumeSessionId?: string;
  /** The most this run may cost (--max-budget-usd where the brain supports it). */
  maxBudgetUsd: number;
  /** What the router decided (the tool and its reason): brains that choose a model weigh it. */
  route?: { tool?: string; reason: string };
}

/** A command line: always an argv array, never a shell string. */
export interface BrainCommand {
  file: string;
  args: string[];
  cwd: string;
  /**
   * What this brain's child needs beyond the allowlisted environment (PATH, HOME, locale, proxies): its own
   * settings and the key it uses. Nothing else of pie-brain's environment reaches it.
   */
  env?: Record<string, string>;
  /** Fed to the child's standard input (kept in the run's folder; the input ends after it). */
  stdin?: string;
}

export interface BrainDetection {
  /** Whether a run can be tried now: installed and not known to be logged out. */
  available: boolean;
  installed: boolean;
  version?: string;
  /** undefined: cannot tell without a paid call. */
  loggedIn?: boolean;
  /** One line for /brain and for failover notes ("not installed", "no API key"). */
  detail: string;
}

export interface BrainUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Part of cacheWriteTokens written at the one-hour rate. */
  cacheWrite1hTokens?: number;
}

/** What one line of output says about a run in progress (every field optional). */
export interface BrainProgress {
  /** One more model turn happened. */
  turn?: true;
  /** Usage of one model message; the harness sums distinct `messageId`s to estimate the cost so far. */
  usage?: BrainUsage;
  messageId?: string;
  model?: string;
  /** Cost of the whole run so far, when the brain prints it (aider). */
  costUsd?: number;
  sessionId?: string;
  /** Output tokens so far (a single long answer). */
  outputTokens?: number;
  /** The final result line: the run is over even if the process lingers. */
  final?: true;
}

/** The end of a run's files, handed to parseResult. */
export interface BrainOutputs {
  /** The tail of stdout (whole lines; large outputs are cut at the front). */
  stdout: string;
  /** The tail of stderr. */
  stderr: string;
  /** null when the run ended while pie-brain was down (the exit code is lost then). */
  exitCode: number | null;
}

export interface BrainResult {
  text: string;
  costUsd: number;
  /** False when the output did not say what the run cost (a crash); the harness then charges an estimate. */
  costKnown: boolean;
  usage: BrainUsage;
  sessionId?: string;
  isError: boolean;
  /** The brain could not work at all (not logged in, API down): the next brain in the fallback list runs. */
  unavailable?: boolean;
  turns?: number;
  model?: string;
  /** Why this model answered (brains that choose one): the run's ledger row keeps it. */
  choice?: ModelChoiceNote;
}

/** What every brain module's factory receives from compose.ts. */
export interface BrainDeps {
  config: Config;
  paths: Paths;
  logger: Logger;
  clock: Clock;
  /** The environment children start from (PATH decides which CLIs are found). */
  env: Env;
  /** The Anthropic key, for brains that pass it to their child through the environment. */
  anthropicApiKey?: string;
  prices?: PriceBook;
  /** Chooses paid models by the request's complexity, price, latency and health (brains that call an API). */
  models?: ModelChooser;
}

export interface Brain {
  readonly specificationVersion: 'v1';
  readonly name: string;
  /** Coding brains edit a repository: the git workflow runs around them. */
  readonly coding: boolean;
  /** Continues a session with --resume (sessions are bound to their working directory). */
  readonly resumable: boolean;
  detect(): Promise<BrainDetection>;
  buildCommand(job: BrainJob): BrainCommand;
  parseProgress(line: string): BrainProgress | undefined;
  parseResult(outputs: BrainOutputs): BrainResult;
  /** Dollars for usage the brain does not price itself (progress estimates); undefined when unknown. */
  estimateCostUsd?(usage: BrainUsage, model?: string): number | undefined;
}

/** Each module in brains/ default-exports one of these. Returning null leaves the brain out. */
export type BrainFactory = (deps: BrainDeps) => Brain | null | Promise<Brain | null>;

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PieBrainError } from '../core/errors.js';
import { pickEnv } from '../core/handoff/child-env.js';
import {
  asUserRequest,
  BaseBrain,
  type BrainCommand,
  type BrainDeps,
  type BrainFactory,
  type BrainJob,
  type BrainOutputs,
  type BrainProgress,
  type BrainResult,
  type BrainUsage,
  lastLine,
} from './base.js';

/** "2.1k" -> 2100, "340" -> 340, "1.2M" -> 1200000. */
function readCount(text: string | undefined): number {
  if (!text) return 0;
  const match = /^([\d.,]+)([kKmM]?)$/.exec(text);
  if (!match?.[1]) return 0;
  const value = Number(match[1].replaceAll(',', ''));
  const scale = match[2]?.toLowerCase() === 'k' ? 1e3 : match[2]?.toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(value * scale);
}

/** aider's "Tokens: 4.2k sent, 2.1k cache write, 3.5k cache hit, 230 received. Cost: $0.01 message, $0.03 session." */
export function parseTokensLine(line: string): { usage: BrainUsage; sessionUsd?: number } | undefined {
  if (!line.startsWith('Tokens:')) return undefined;
  const count = (label: string) => readCount(new RegExp(`([\\d.,]+[kKmM]?) ${label}`).exec(line)?.[1]);
  const cost = /Cost: \$([\d.]+) message, \$([\d.]+) session/.exec(line);
  return {
    usage: {
      inputTokens: count('sent'),
      outputTokens: count('received'),
      cacheReadTokens: count('cache hit'),
      cacheWriteTokens: count('cache write'),
    },
    ...(cost?.[2] ? { sessionUsd: Number(cost[2]) } : {}),
  };
}

// aider's own chatter around the model's answer (with --no-pretty it is plain text).
const CHATTER =
  /^(Aider v|Main model:|Weak model:|Editor model:|Model:|Git repo:|Repo-map:|Added .* to the chat|Use \/help|https:\/\/aider\.chat|Tokens:|Cost:|Warning: |Applied edit to |Commit )/;

/** What aider reads from its environment: model providers' keys and bases, and its own AIDER_* settings. */
const AIDER_ENV = (name: string) => /^[A-Z][A-Z0-9_]*_API_(KEY|BASE)$/.test(name) || name.startsWith('AIDER_');

/**
 * Flags that keep aider to editing files. A message is never an in-chat command (the header line comes first);
 * it suggests no shell commands, fetches no URL (nor installs playwright to do so), and a repository's own
 * .aider.conf.yml cannot switch lint or test commands on, since the command line wins over config files.
 */
const SAFE_FLAGS = [
  '--yes-always',
  '--no-auto-commits',
  '--no-check-update',
  '--analytics-disable',
  '--no-pretty',
  '--no-suggest-shell-commands',
  '--no-detect-urls',
  '--disable-playwright',
  '--no-auto-lint',
  '--no-auto-test',
  '--no-show-release-notes',
  '--no-gitignore',
];

/**
 * Files aider reads from the directory it runs in and from that repository's root, whatever its command line
 * says: `.env` is loaded over its environment (an `ANTHROPIC_API_BASE` there sends the API key elsewhere), the
 * config file can set any option not on the command line (`set-env`, API bases, files to read), and the model
 * settings can add request parameters. A repository's own files must not decide where a key goes.
 */
const REPO_CONFIG_FILES = ['.env', '.aider.conf.yml', '.aider.model.settings.yml', '.aider.model.metadata.json'];

/** The repository root above `cwd` (the nearest folder with a .git), or undefined outside a repository. */
function gitRoot(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Which of aider's repository-level config files exist where it would run. */
export function aiderRepoConfig(cwd: string): string[] {
  const dirs = [...new Set([cwd, gitRoot(cwd)].filter((dir): dir is string => dir !== undefined))];
  return dirs.flatMap((dir) => REPO_CONFIG_FILES.map((name) => join(dir, name))).filter((path) => existsSync(path));
}

/**
 * aider, one message and out: `aider --message-file=/dev/stdin --yes-always --no-auto-commits ...` (header + prompt on stdin) in the
 * repository. It has no budget flag and prints its cost only as text, on its `Tokens: ... Cost: $X message,
 * $Y session.` lines: the harness meters the run by them.
 */
export class AiderBrain extends BaseBrain {
  readonly name = 'aider';
  protected readonly executable = 'aider';

  buildCommand(job: BrainJob): BrainCommand {
    const found = aiderRepoConfig(job.cwd);
    if (found.length) {
      const names = found.join(', ');
      throw new PieBrainError('BRAIN_UNAVAILABLE', `aider would load ${names}`, {
        userMessage: `aider did not start: it would load ${names} from the repository, which can send its API key elsewhere or change what it runs. Remove or rename it, or use another brain.`,
      });
    }
    // The message is read from standard input (a file aider reads whole), not from the command line, where
    // anyone on the Pi could read it (ps, /proc); the header keeps "/" and "!" text from being in-chat commands.
    const args = ['--message-file=/dev/stdin', ...SAFE_FLAGS];
    if (this.deps.config.brains.model) args.push('--model', this.deps.config.brains.model);
    if (job.userPrefsFile) args.push('--read', job.userPrefsFile);
    const env = pickEnv(this.deps.env, AIDER_ENV);
    if (this.deps.anthropicApiKey) env.ANTHROPIC_API_KEY = this.deps.anthropicApiKey;
    return { file: this.executable, args, cwd: job.cwd, env, stdin: asUserRequest(job.prompt) };
  }

  /** For a run whose model prints no Cost part: an Anthropic model is priced from its usage; others are unknown. */
  estimateCostUsd(usage: BrainUsage, model?: string): number | undefined {
    const name = (model ?? this.deps.config.brains.model ?? '').replace(/^anthropic\//, '');
    return name.startsWith('claude-') ? this.priceAnthropicUsage(usage, name) : undefined;
  }

  parseProgress(line: string): BrainProgress | undefined {
    const tokens = parseTokensLine(line);
    if (!tokens) return undefined;
    return { turn: true, usage: tokens.usage, ...(tokens.sessionUsd !== undefined ? { costUsd: tokens.sessionUsd } : {}) };
  }

  parseResult(outputs: BrainOutputs): BrainResult {
    const usage: BrainUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    let sessionUsd: number | undefined;
    let turns = 0;
    const answer: string[] = [];
    for (const raw of outputs.stdout.split('\n')) {
      const line = raw.trimEnd();
      const tokens = parseTokensLine(line.trim());
      if (tokens) {
        turns += 1;
        usage.inputTokens += tokens.usage.inputTokens;
        usage.outputTokens += tokens.usage.outputTokens;
        usage.cacheReadTokens += tokens.usage.cacheReadTokens;
        usage.cacheWriteTokens += tokens.usage.cacheWriteTokens;
        if (tokens.sessionUsd !== undefined) sessionUsd = tokens.sessionUsd;
        continue;
      }
      if (!CHATTER.test(line.trim())) answer.push(line);
    }
    // The exit code is lost when the run ended while pie-brain was down: then reaching the model counts.
    const failed = outputs.exitCode === null ? turns === 0 : outputs.exitCode !== 0;
    const text = answer.join('\n').trim();
    const reason = lastLine(outputs.stderr) || lastLine(text) || `exit code ${outputs.exitCode}`;
    return {
      text: failed ? reason : text,
      costUsd: sessionUsd ?? 0,
      // No model call at all costs nothing; calls without a Cost line (unpriced models) are unknown.
      costKnown: sessionUsd !== undefined || turns === 0,
      usage,
      isError: failed,
      // It never reached a model (no API key, no such model): the next brain should try.
      unavailable: failed && turns === 0,
      ...(turns ? { turns } : {}),
      ...(this.deps.config.brains.model ? { model: this.deps.config.brains.model } : {}),
    };
  }

  protected override async checkLogin(): Promise<{ loggedIn?: boolean; detail: string }> {
    const keys = Object.keys(pickEnv(this.deps.env, (name) => /_API_KEY$/.test(name)));
    if (this.deps.anthropicApiKey || keys.length) return { loggedIn: true, detail: 'a model API key is set' };
    return { detail: 'no model API key in the environment; the first run will tell' };
  }
}

const create: BrainFactory = (deps: BrainDeps) => new AiderBrain(deps);
export default create;

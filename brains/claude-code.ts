import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
  NO_USAGE,
  parseJsonLine,
  readUsage,
} from './base.js';

/**
 * `@/any/path` anywhere in a prompt makes Claude Code inline that file, outside the working directory and
 * without asking; a zero-width space after each `@` breaks the mention and reads the same to the model.
 */
export function neutraliseMentions(text: string): string {
  return text.replace(/@(?=[^\s\u200b])/g, '@\u200b');
}

/** Claude Code's own settings and login (CLAUDE_*, ANTHROPIC_BASE_URL, ...); the API key has its own rule. */
const CLAUDE_ENV = (name: string) => /^(CLAUDE_|ANTHROPIC_)/.test(name) && name !== 'ANTHROPIC_API_KEY';

/**
 * Claude Code, headless: `claude -p --output-format stream-json --verbose --disable-slash-commands ...` in the
 * target repository, the prompt on standard input after a fixed header line (so it never starts with `/` or
 * `-`) and with `@` mentions broken. Progress comes from the stream's `assistant` lines, the answer from the
 * final `result` line.
 */
export class ClaudeCodeBrain extends BaseBrain {
  readonly name = 'claude-code';
  override readonly resumable = true;
  protected readonly executable = 'claude';

  buildCommand(job: BrainJob): BrainCommand {
    const brains = this.deps.config.brains;
    // The repository's own .claude/settings.json (hooks run commands; env and apiKeyHelper decide where the
    // key goes) and .mcp.json (servers it starts) are not read: only the user's settings apply.
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--disable-slash-commands'];
    args.push('--setting-sources', 'user', '--strict-mcp-config');
    args.push('--max-turns', String(brains.maxTurns), '--permission-mode', brains.permissionMode);
    if (brains.allowedTools.length) args.push('--allowedTools', brains.allowedTools.join(','));
    if (job.userPrefs) args.push('--append-system-prompt', job.userPrefs);
    args.push('--max-budget-usd', String(job.maxBudgetUsd));
    if (brains.model) args.push('--model', brains.model);
    if (job.resumeSessionId) args.push('--resume', job.resumeSessionId);
    // No session-title call on the side: it doubled the cost of short runs.
    const env: Record<string, string> = { ...pickEnv(this.deps.env, CLAUDE_ENV), CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    // Without a login of its own, Claude Code may use pie-brain's API key (billed to the API account).
    if (this.deps.anthropicApiKey && !this.hasOwnLogin()) env.ANTHROPIC_API_KEY = this.deps.anthropicApiKey;
    return { file: this.executable, args, cwd: job.cwd, env, stdin: asUserRequest(neutraliseMentions(job.prompt)) };
  }

  parseProgress(line: string): BrainProgress | undefined {
    const event = parseJsonLine(line);
    if (!event) return undefined;
    const sessionId = typeof event.session_id === 'string' ? event.session_id : undefined;
    if (event.type === 'system' && event.subtype === 'init') {
      return { ...(sessionId ? { sessionId } : {}), ...(typeof event.model === 'string' ? { model: event.model } : {}) };
    }
    if (event.type === 'assistant') {
      const message = (event.message ?? {}) as Record<string, unknown>;
      return {
        turn: true,
        usage: readUsage(message.usage),
        ...(typeof message.id === 'string' ? { messageId: message.id } : {}),
        ...(typeof message.model === 'string' ? { model: message.model } : {}),
        ...(sessionId ? { sessionId } : {}),
      };
    }
    if (event.type === 'result') {
      return {
        final: true,
        ...(sessionId ? { sessionId } : {}),
        ...(typeof event.total_cost_usd === 'number' ? { costUsd: event.total_cost_usd } : {}),
      };
    }
    return undefined;
  }

  parseResult(outputs: BrainOutputs): BrainResult {
    const lines = outputs.stdout.split('\n');
    let init: Record<string, unknown> | undefined;
    let result: Record<string, unknown> | undefined;
    for (const line of lines) {
      const event = parseJsonLine(line.trim());
      if (event?.type === 'system' && event.subtype === 'init') init ??= event;
      if (event?.type === 'result') result = event;
    }
    if (!result) {
      const why = lastLine(outputs.stderr) || (outputs.exitCode === null ? 'it stopped' : `exit code ${outputs.exitCode}`);
      // Never got as far as starting a session (wrong Node, broken install): as good as not installed.
      return {
        text: `claude ended without a result: ${why}`,
        costUsd: 0,
        costKnown: false,
        usage: NO_USAGE,
        isError: true,
        unavailable: !init,
      };
    }
    const usage = readUsage(result.usage);
    const subtype = String(result.subtype ?? '');
    const isError = result.is_error === true || subtype !== 'success';
    const modelUsage = Object.keys((result.modelUsage ?? {}) as Record<string, unknown>);
    const text = typeof result.result === 'string' ? result.result : `claude stopped: ${subtype.replaceAll('_', ' ')}`;
    const model = modelUsage[0] ?? (typeof init?.model === 'string' ? init.model : undefined);
    const sessionId = typeof result.session_id === 'string' ? result.session_id : undefined;
    // A result line without total_cost_usd did not say what it cost: an estimate from its usage, never a known $0.
    const reported =
      typeof result.total_cost_usd === 'number' && Number.isFinite(result.total_cost_usd) ? result.total_cost_usd : undefined;
    const costUsd = reported ?? this.estimateCostUsd(usage, model) ?? 0;
    return {
      text,
      costUsd,
      costKnown: reported !== undefined,
      usage,
      isError,
      // A login or API failure says subtype "success" with is_error: it produced nothing and cost nothing.
      unavailable: result.is_error === true && reported === 0 && usage.outputTokens === 0,
      ...(typeof result.num_turns === 'number' ? { turns: result.num_turns } : {}),
      ...(model ? { model } : {}),
      ...(sessionId ? { sessionId } : {}),
    };
  }

  estimateCostUsd(usage: BrainUsage, model?: string): number | undefined {
    return this.priceAnthropicUsage(usage, model);
  }

  protected override async checkLogin(): Promise<{ loggedIn?: boolean; detail: string }> {
    if (this.hasOwnLogin()) return { loggedIn: true, detail: 'logged in' };
    if (this.deps.anthropicApiKey) return { loggedIn: true, detail: 'uses the ANTHROPIC_API_KEY' };
    return { detail: 'no stored login found; the first run will tell' };
  }

  private hasOwnLogin(): boolean {
    const { env } = this.deps;
    if (env.CLAUDE_CODE_OAUTH_TOKEN) return true;
    const home = env.CLAUDE_CONFIG_DIR ?? (env.HOME ? join(env.HOME, '.claude') : undefined);
    return home !== undefined && existsSync(join(home, '.credentials.json'));
  }
}

const create: BrainFactory = (deps: BrainDeps) => new ClaudeCodeBrain(deps);
export default create;

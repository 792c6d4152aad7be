import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
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
  numberOr,
  parseJsonLine,
  readUsage,
} from './base.js';

/**
 * Claude Code, headless: `claude -p <prompt> --output-format stream-json --verbose` in the target repository.
 * Progress comes from the stream's `assistant` lines, the answer from the final `result` line.
 */
export class ClaudeCodeBrain extends BaseBrain {
  readonly name = 'claude-code';
  override readonly resumable = true;
  protected readonly executable = 'claude';

  buildCommand(job: BrainJob): BrainCommand {
    const brains = this.deps.config.brains;
    // A prompt that starts with "-" would read as an option: after "--" it is only ever the prompt.
    const leadingDash = job.prompt.startsWith('-');
    const args = ['-p', ...(leadingDash ? [] : [job.prompt]), '--output-format', 'stream-json', '--verbose'];
    args.push('--max-turns', String(brains.maxTurns), '--permission-mode', brains.permissionMode);
    if (brains.allowedTools.length) args.push('--allowedTools', brains.allowedTools.join(','));
    if (job.userPrefs) args.push('--append-system-prompt', job.userPrefs);
    args.push('--max-budget-usd', String(job.maxBudgetUsd));
    if (brains.model) args.push('--model', brains.model);
    if (job.resumeSessionId) args.push('--resume', job.resumeSessionId);
    if (leadingDash) args.push('--', job.prompt);
    const env: Record<string, string> = {};
    // Without a login of its own, Claude Code may use pie-brain's API key (billed to the API account).
    if (this.deps.anthropicApiKey && !this.hasOwnLogin()) env.ANTHROPIC_API_KEY = this.deps.anthropicApiKey;
    return { file: this.executable, args, cwd: job.cwd, env };
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
    const costUsd = numberOr(result.total_cost_usd, 0);
    const subtype = String(result.subtype ?? '');
    const isError = result.is_error === true || subtype !== 'success';
    const modelUsage = Object.keys((result.modelUsage ?? {}) as Record<string, unknown>);
    const text = typeof result.result === 'string' ? result.result : `claude stopped: ${subtype.replaceAll('_', ' ')}`;
    const model = modelUsage[0] ?? (typeof init?.model === 'string' ? init.model : undefined);
    const sessionId = typeof result.session_id === 'string' ? result.session_id : undefined;
    return {
      text,
      costUsd,
      costKnown: true,
      usage,
      isError,
      // A login or API failure says subtype "success" with is_error: it produced nothing and cost nothing.
      unavailable: result.is_error === true && costUsd === 0 && usage.outputTokens === 0,
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

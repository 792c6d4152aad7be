import { join } from 'node:path';
import type { ModelAttempt } from '../core/contracts/model-choice.js';
import { choiceWhy, failoverNote } from '../core/costs/model-failures.js';
import { findCompiledScript } from '../core/lib/compiled-script.js';
import {
  BaseBrain,
  type BrainCommand,
  type BrainDeps,
  type BrainDetection,
  type BrainFactory,
  type BrainJob,
  type BrainOutputs,
  type BrainProgress,
  type BrainResult,
  lastLine,
  NO_USAGE,
  numberOr,
  parseJsonLine,
  readUsage,
} from './base.js';

/** The compiled runner: next to this module in dist/, or in dist/ when this module runs from source (tests). */
export function findRunner(): string | undefined {
  return findCompiledScript(import.meta.url, join('runners', 'anthropic-runner.js'));
}

/**
 * The Anthropic Messages API, for heavy work that is not coding (long answers, summaries of many papers).
 * Like every brain it runs detached: its command is `node anthropic-runner.js`, which makes one streamed
 * call and prints a result line with the usage (cache reads and writes included); the cost is priced here.
 */
export class AnthropicBrain extends BaseBrain {
  readonly name = 'anthropic';
  override readonly coding = false;
  protected readonly executable = process.execPath;
  private readonly runner = findRunner();

  buildCommand(job: BrainJob): BrainCommand {
    const { anthropic } = this.deps.config;
    // The model router's chain for this request (complexity, price, latency, health); else the configured model.
    const plan = this.deps.models?.plan({
      text: job.prompt,
      tool: job.route?.tool,
      reason: job.route?.reason,
      handoff: true,
      maxOutputTokens: anthropic.maxTokens,
      maxCostUsd: job.maxBudgetUsd,
    });
    const models = plan?.chain.length ? plan.chain.map((m) => m.model) : [anthropic.model];
    const args = [this.runner ?? 'anthropic-runner.js', ...models.map((m) => `--model=${m}`), `--max-tokens=${anthropic.maxTokens}`];
    if (plan?.chain.length) args.push(`--why=${plan.why}`);
    if (job.userPrefs) args.push(`--system=${job.userPrefs}`);
    const env: Record<string, string> = {};
    if (this.deps.anthropicApiKey) env.ANTHROPIC_API_KEY = this.deps.anthropicApiKey;
    if (anthropic.baseUrl) env.ANTHROPIC_BASE_URL = anthropic.baseUrl;
    // The request on standard input, not on the command line, where anyone on the Pi could read it (ps, /proc).
    return { file: process.execPath, args, cwd: job.cwd, env, stdin: job.prompt };
  }

  override async detect(): Promise<BrainDetection> {
    if (!this.runner) return { available: false, installed: false, detail: 'the runner is not built (npm run build)' };
    if (!this.deps.anthropicApiKey) return { available: false, installed: true, loggedIn: false, detail: 'no ANTHROPIC_API_KEY' };
    return { available: true, installed: true, loggedIn: true, detail: `API key set; model ${this.deps.config.anthropic.model}` };
  }

  parseProgress(line: string): BrainProgress | undefined {
    const event = parseJsonLine(line);
    if (event?.type === 'progress') return { outputTokens: numberOr(event.output_tokens, 0) };
    if (event?.type === 'result') return { final: true };
    return undefined;
  }

  parseResult(outputs: BrainOutputs): BrainResult {
    const result = outputs.stdout
      .split('\n')
      .map((line) => parseJsonLine(line.trim()))
      .filter((event) => event?.type === 'result')
      .at(-1);
    if (!result) {
      const why = lastLine(outputs.stderr) || (outputs.exitCode === null ? 'it stopped' : `exit code ${outputs.exitCode}`);
      return { text: `the Anthropic run ended without a result: ${why}`, costUsd: 0, costKnown: false, usage: NO_USAGE, isError: true };
    }
    const text = typeof result.result === 'string' ? result.result : '';
    const attempts = this.observeAttempts(result.attempts);
    if (result.is_error === true) {
      return { text, costUsd: 0, costKnown: true, usage: NO_USAGE, isError: true, unavailable: result.unavailable === true };
    }
    const usage = readUsage(result.usage);
    const model = typeof result.model === 'string' ? result.model : this.deps.config.anthropic.model;
    const costUsd = this.estimateCostUsd(usage, model);
    const requested = typeof result.requested_model === 'string' ? result.requested_model : model;
    const failures = attempts.filter((attempt) => !attempt.ok);
    const note = failoverNote(failures, requested);
    const planned = typeof result.why === 'string' ? result.why : undefined;
    const choice = planned ? { why: choiceWhy(requested, failures, planned), detail: { model: requested, attempts } } : undefined;
    return {
      text: note ? `${note}\n\n${text}` : text,
      costUsd: costUsd ?? 0,
      costKnown: costUsd !== undefined,
      usage,
      isError: false,
      turns: 1,
      model,
      ...(choice ? { choice } : {}),
    };
  }

  /** The run's tries, model by model; each one tells the model router how that model did. */
  private observeAttempts(value: unknown): ModelAttempt[] {
    if (!Array.isArray(value)) return [];
    const attempts = value.flatMap((raw: Record<string, unknown>): ModelAttempt[] => {
      if (typeof raw?.model !== 'string') return [];
      return [
        {
          model: raw.model,
          ok: raw.ok === true,
          latencyMs: numberOr(raw.latency_ms, 0),
          ...(typeof raw.code === 'string' ? { code: raw.code as ModelAttempt['code'] } : {}),
          ...(typeof raw.status === 'number' ? { status: raw.status } : {}),
          ...(typeof raw.retry_after_ms === 'number' ? { retryAfterMs: raw.retry_after_ms } : {}),
        },
      ];
    });
    for (const attempt of attempts) this.deps.models?.observe(attempt);
    return attempts;
  }

  estimateCostUsd(usage: BrainResult['usage'], model?: string): number | undefined {
    return this.priceAnthropicUsage(usage, model ?? this.deps.config.anthropic.model);
  }
}

const create: BrainFactory = (deps: BrainDeps) => new AnthropicBrain(deps);
export default create;

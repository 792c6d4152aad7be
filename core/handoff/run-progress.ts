import type { BrainProgress, BrainUsage } from '../contracts/brain.js';
import { formatDuration, formatUsd } from '../lib/format.js';

function addUsage(total: BrainUsage, usage: BrainUsage): void {
  total.inputTokens += usage.inputTokens;
  total.outputTokens += usage.outputTokens;
  total.cacheReadTokens += usage.cacheReadTokens;
  total.cacheWriteTokens += usage.cacheWriteTokens;
  total.cacheWrite1hTokens = (total.cacheWrite1hTokens ?? 0) + (usage.cacheWrite1hTokens ?? 0);
}

/**
 * What the output of a run in progress has said so far: turns, the cost the brain reported (or one estimated
 * from the usage of each distinct model message), the session id.
 */
export class RunProgress {
  turns = 0;
  sessionId: string | undefined;
  model: string | undefined;
  outputTokens: number | undefined;
  private reportedUsd: number | undefined;
  private readonly usage: BrainUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  private sawUsage = false;
  private readonly seen = new Set<string>();

  constructor(private readonly estimate?: (usage: BrainUsage, model?: string) => number | undefined) {}

  apply(progress: BrainProgress): void {
    if (progress.sessionId) this.sessionId = progress.sessionId;
    if (progress.model) this.model = progress.model;
    if (progress.costUsd !== undefined) this.reportedUsd = progress.costUsd;
    if (progress.outputTokens !== undefined) this.outputTokens = progress.outputTokens;
    // One model message may arrive as several lines (one per content block): count it once.
    if (progress.messageId) {
      if (this.seen.has(progress.messageId)) return;
      this.seen.add(progress.messageId);
    }
    if (progress.turn) this.turns += 1;
    if (progress.usage) {
      addUsage(this.usage, progress.usage);
      this.sawUsage = true;
    }
  }

  /** Whether costSoFar() is an estimate from token usage at the price table rather than what the brain reported. */
  get costEstimated(): boolean {
    return this.reportedUsd === undefined;
  }

  /** Whether the output shows that a model was reached (what it cost may still be unknown). */
  get reachedModel(): boolean {
    return this.turns > 0 || Boolean(this.outputTokens) || this.sawUsage;
  }

  /** Dollars so far: what the brain said, else an estimate from usage, else undefined. */
  costSoFar(): number | undefined {
    if (this.reportedUsd !== undefined) return this.reportedUsd;
    if (!this.sawUsage || !this.estimate) return undefined;
    return this.estimate(this.usage, this.model);
  }

  /** "working 3m, 12 turns, $0.14 so far", "... $0.14 so far (estimated)". */
  describe(elapsedMs: number): string {
    const parts = [`working ${formatDuration(elapsedMs)}`];
    if (this.turns) parts.push(`${this.turns} turn${this.turns === 1 ? '' : 's'}`);
    else if (this.outputTokens) parts.push(`${this.outputTokens} tokens written`);
    const cost = this.costSoFar();
    if (cost !== undefined) parts.push(`${formatUsd(cost)} so far${this.costEstimated ? ' (estimated)' : ''}`);
    return parts.join(', ');
  }
}

import type { BrainProgress, BrainUsage } from '../contracts/brain.js';

/** "45s", "3m", "1h 05m": short enough for a progress line. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** "3m 12s", "1h 05m": for the final reply. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return formatElapsed(ms);
}

/** "$0.14", "$0.0123", "$2.50": cents always, sub-cent digits only when they say something. */
export function formatUsd(usd: number): string {
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  const [whole, fraction = ''] = usd.toFixed(4).split('.');
  return `$${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

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
    const parts = [`working ${formatElapsed(elapsedMs)}`];
    if (this.turns) parts.push(`${this.turns} turn${this.turns === 1 ? '' : 's'}`);
    else if (this.outputTokens) parts.push(`${this.outputTokens} tokens written`);
    const cost = this.costSoFar();
    if (cost !== undefined) parts.push(`${formatUsd(cost)} so far${this.costEstimated ? ' (estimated)' : ''}`);
    return parts.join(', ');
  }
}

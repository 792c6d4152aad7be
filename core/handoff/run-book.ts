import type { BrainRunOutcome, BrainRunRecord, BrainRunStore, NewBrainRun } from '../../storage/brain-runs.js';
import type { Ledger } from '../../storage/ledger.js';
import type { TaskQueue } from '../../storage/queue.js';
import type { Brain, BrainResult, BrainUsage } from '../contracts/brain.js';
import type { SpendAllowance, SpendGate, SpendReservation } from '../contracts/spend.js';
import type { EventBus } from '../engine/events.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import './brain-events.js';
import { formatUsd } from '../lib/format.js';
import type { RunEnd } from './run-follower.js';
import type { RunProgress } from './run-progress.js';
import type { CapReached, StopReason } from './run-session.js';

/** What is kept of a run's result (in brain_runs.result): the brain's answer plus what the harness worked out. */
export interface StoredResult extends BrainResult {
  /** True when the output did not say the cost and an estimate (or the cap) was charged. */
  costEstimated: boolean;
  durationMs: number;
  /** Set when the run was stopped at what it may spend. */
  cap?: CapReached;
}

const NO_USAGE: BrainUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export function storedResult(run: BrainRunRecord): StoredResult | undefined {
  return (run.result as StoredResult | null) ?? undefined;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function hasUsage(usage: BrainUsage): boolean {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens > 0;
}

/**
 * The books of cloud runs: how each one ended (from its output), what it cost (the ledger, once, even across
 * restarts), and the spend reservation it holds until then (found again by its id after a restart).
 */
export class RunBook {
  private readonly reservations = new Map<number, SpendReservation>();

  constructor(
    private readonly options: {
      store: BrainRunStore;
      ledger: Ledger;
      queue: TaskQueue;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      spend: SpendGate;
    },
  ) {}

  /** The reservation a run holds until it is settled (its id is in the run's row for after a restart). */
  hold(runId: number, reservation: SpendReservation): void {
    this.reservations.set(runId, reservation);
  }

  /** What the run may cost in all now: its reservation's allowance, or its cap when the gate no longer knows it. */
  allowance(run: BrainRunRecord): SpendAllowance {
    const cap: SpendAllowance = { usd: run.capUsd, limit: 'cap', detail: `its cap of ${formatUsd(run.capUsd)}` };
    try {
      return this.reservationOf(run)?.allowance() ?? cap;
    } catch (error) {
      // The budget could not be read just now (a busy database): the run is still held to its own cap.
      this.options.logger.warn({ err: error, runId: run.id }, 'the budget left could not be read; holding the run to its cap');
      return cap;
    }
  }

  /** The run's reservation: held by this process, or found again by its id (a run re-attached after a restart). */
  private reservationOf(run: BrainRunRecord): SpendReservation | undefined {
    let held = this.reservations.get(run.id);
    if (!held && run.reservationId && !run.settled) {
      held = this.options.spend.resume(run.reservationId);
      if (held) this.reservations.set(run.id, held);
    }
    return held;
  }

  /** A brain that was skipped before it started (not installed, logged out): a row says so, for the reply. */
  skip(run: Omit<NewBrainRun, 'capUsd' | 'startedAt'>, reason: string): void {
    const { store, clock } = this.options;
    const created = store.create({ ...run, capUsd: 0, startedAt: clock.now() });
    store.markEnded(created.id, { outcome: 'unavailable', reason, endedAt: clock.now(), costUsd: 0 });
    store.settleOnce(created.id, () => {});
  }

  /** A run that failed before its process started: nothing was spent. */
  abandon(run: BrainRunRecord, outcome: BrainRunOutcome, reason: string): void {
    const { store, clock } = this.options;
    store.markEnded(run.id, { outcome, reason, endedAt: clock.now(), costUsd: 0 });
    this.reservationOf(run)?.release();
    this.reservations.delete(run.id);
    store.settleOnce(run.id, () => {});
  }

  /** Read how a run ended from its output (or why it was stopped), record it, and settle its cost. */
  conclude(
    run: BrainRunRecord,
    brain: Brain,
    end: RunEnd,
    progress: RunProgress,
    stopped: StopReason | undefined,
    cap?: CapReached,
  ): BrainRunRecord {
    const { store } = this.options;
    let result: BrainResult;
    try {
      result = brain.parseResult({ stdout: end.stdoutTail, stderr: end.stderrTail, exitCode: end.exitCode });
    } catch (error) {
      this.options.logger.warn({ err: error, runId: run.id }, 'the result of a brain run could not be read');
      result = { text: `${brain.name} ended without a readable result.`, costUsd: 0, costKnown: false, usage: NO_USAGE, isError: true };
    }
    // Unknown cost: the larger estimate of the result's usage and the output's; with model output but no price,
    // the whole cap (never less than may have been spent); nothing when no model ever answered.
    let costUsd = result.costUsd;
    if (!result.costKnown) {
      const estimate = Math.max(result.costUsd, progress.costSoFar() ?? 0);
      costUsd = estimate > 0 ? estimate : progress.reachedModel || hasUsage(result.usage) ? run.capUsd : 0;
    }
    const outcome: BrainRunOutcome = stopped ?? (result.unavailable ? 'unavailable' : result.isError ? 'error' : 'ok');
    const turns = result.turns ?? (progress.turns || undefined);
    const model = result.model ?? progress.model;
    const stored: StoredResult = {
      ...result,
      costUsd,
      costEstimated: !result.costKnown,
      durationMs: end.endedAt - run.startedAt,
      ...(outcome === 'capped' && cap ? { cap } : {}),
      ...(turns !== undefined ? { turns } : {}),
      ...(model !== undefined ? { model } : {}),
    };
    store.markEnded(run.id, {
      outcome,
      reason: outcome === 'unavailable' ? firstLine(result.text) : outcome === 'capped' && cap ? cap.allowance.detail : null,
      endedAt: end.endedAt,
      exitCode: end.exitCode,
      sessionId: result.sessionId ?? progress.sessionId ?? null,
      costUsd,
      result: stored,
    });
    const ended = store.get(run.id) as BrainRunRecord;
    this.settle(ended);
    return ended;
  }

  /** Book an ended run's cost in the ledger exactly once, and settle its reservation. */
  settle(run: BrainRunRecord): void {
    const { store, ledger, queue, bus, clock } = this.options;
    const result = storedResult(run);
    const usage = result?.usage ?? NO_USAGE;
    const costUsd = run.costUsd ?? 0;
    const endedAt = run.endedAt ?? clock.now();
    const durationMs = endedAt - run.startedAt;
    const booked = store.settleOnce(run.id, () => {
      ledger.record({
        taskId: run.taskId,
        kind: 'brain',
        provider: run.brain,
        model: result?.model ?? 'unknown',
        tokensIn: usage.inputTokens,
        tokensOut: usage.outputTokens,
        cacheReadTokens: usage.cacheReadTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        costUsd,
        reportedCostUsd: result && !result.costEstimated ? costUsd : null,
        estimated: result?.costEstimated ?? true,
        latencyMs: durationMs,
        ...(run.purpose ? { purpose: result?.choice ? `${run.purpose}: ${result.choice.why}` : run.purpose } : {}),
        data: {
          runId: run.id,
          outcome: run.outcome,
          turns: result?.turns ?? null,
          ...(result?.choice ? { choice: result.choice.detail } : {}),
        },
        createdAt: endedAt,
      });
      queue.record({
        taskId: run.taskId,
        at: endedAt,
        type: 'brain-run-ended',
        durationMs,
        tokensIn: usage.inputTokens,
        tokensOut: usage.outputTokens,
        costUsd,
        data: { runId: run.id, brain: run.brain, outcome: run.outcome },
      });
    });
    // Settling a hold twice is harmless; leaving one held (a crash between the two) would count the cost twice.
    const reservation = this.reservations.get(run.id) ?? (run.reservationId ? this.options.spend.resume(run.reservationId) : undefined);
    this.reservations.delete(run.id);
    reservation?.settle(costUsd);
    if (booked) {
      bus.emit('brain-run-ended', {
        taskId: run.taskId,
        runId: run.id,
        brain: run.brain,
        outcome: run.outcome ?? 'lost',
        costUsd,
        durationMs,
      });
    }
  }
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpendGate, SpendRequest, SpendReservation } from '../../core/contracts/spend.js';
import { isPieBrainError, type PieBrainError } from '../../core/errors.js';

export interface SpendGateHarness {
  gate: SpendGate;
  /** What the gate lets through in all, with nothing spent or held yet (dollars). */
  limitUsd: number;
  /**
   * End a call the way its caller does: record what it cost where the gate's budget reads it, then settle
   * the reservation (SqliteSpendGate counts the ledger; the fake counts what was settled).
   */
  settle(reservation: SpendReservation, actualUsd: number): void;
  close(): void | Promise<void>;
}

/** The refusal a reservation ends in; fails the test when the reservation passes or throws something else. */
export function refusalOf(reserve: () => unknown): PieBrainError {
  try {
    reserve();
  } catch (error) {
    if (isPieBrainError(error)) return error;
    throw error;
  }
  throw new Error('expected the reservation to be refused');
}

function request(capUsd: number): SpendRequest {
  return { taskId: 1, provider: 'anthropic', model: 'claude-sonnet-4-5', capUsd, purpose: 'contract check' };
}

/**
 * The one contract every SpendGate (SQLite, the fake) runs: a reservation under the budget passes, one over
 * it is refused with BUDGET_EXCEEDED and words for the user, settle and release free the hold (once), and two
 * reservations that together need more than is left cannot both pass.
 */
export function describeSpendGateContract(name: string, createHarness: () => SpendGateHarness | Promise<SpendGateHarness>): void {
  describe(`SpendGate contract: ${name}`, () => {
    let harness: SpendGateHarness;
    let limit: number;
    const reserve = (fraction: number) => harness.gate.reserve(request(limit * fraction));

    beforeEach(async () => {
      harness = await createHarness();
      limit = harness.limitUsd;
    });
    afterEach(async () => {
      await harness.close();
    });

    it('passes a reservation under the budget and hands back its id and cap', () => {
      const reservation = reserve(0.5);
      expect(reservation.id).toEqual(expect.any(String));
      expect(reservation.id).not.toBe('');
      expect(reservation.capUsd).toBeCloseTo(limit * 0.5, 9);
      expect(reserve(0.5).id).not.toBe(reservation.id);
    });

    it('refuses one over the budget with BUDGET_EXCEEDED and a message for the user, holding nothing', () => {
      const error = refusalOf(() => reserve(1.5));
      expect(error.code).toBe('BUDGET_EXCEEDED');
      expect(error.retryable).toBe(false);
      expect(error.userMessage).toMatch(/\$\d/);
      expect(reserve(1).capUsd).toBeCloseTo(limit, 9);
    });

    it('release frees the hold, once', () => {
      const first = reserve(0.8);
      expect(refusalOf(() => reserve(0.5)).code).toBe('BUDGET_EXCEEDED');
      first.release();
      const second = reserve(0.9);
      // Releasing again must not free the hold that took its place.
      first.release();
      expect(refusalOf(() => reserve(0.2)).code).toBe('BUDGET_EXCEEDED');
      second.release();
      expect(reserve(1).capUsd).toBeCloseTo(limit, 9);
    });

    it('settle keeps what the call cost and frees the rest of the hold', () => {
      const call = reserve(0.8);
      harness.settle(call, limit * 0.1);
      call.release();
      const next = reserve(0.85);
      expect(next.capUsd).toBeCloseTo(limit * 0.85, 9);
      expect(refusalOf(() => reserve(0.1)).code).toBe('BUDGET_EXCEEDED');
      next.release();
      expect(refusalOf(() => reserve(0.95)).code).toBe('BUDGET_EXCEEDED');
      expect(reserve(0.9).capUsd).toBeCloseTo(limit * 0.9, 9);
    });

    it('allows a reservation its whole cap while the budget has room for it', () => {
      const reservation = reserve(0.3);
      expect(reservation.allowance()).toMatchObject({ usd: expect.closeTo(limit * 0.3, 9), limit: 'cap' });
      expect(reservation.allowance().detail).toMatch(/\$\d/);
    });

    it('shrinks the allowance to what is left when other spending took more than it reserved', () => {
      const run = reserve(0.5);
      const other = reserve(0.4);
      // The other call cost more than it had reserved: the run's cap no longer fits in what is left.
      harness.settle(other, limit * 0.7);
      const allowance = run.allowance();
      expect(allowance.usd).toBeCloseTo(limit * 0.3, 9);
      expect(allowance.limit).not.toBe('cap');
      expect(allowance.detail).toMatch(/\$\d/);
    });

    it('finds a reservation again by its id (a restart): settling it frees the hold, once', () => {
      const first = reserve(0.8);
      const again = harness.gate.resume(first.id);
      expect(again?.id).toBe(first.id);
      expect(again?.capUsd).toBeCloseTo(limit * 0.8, 9);
      expect(refusalOf(() => reserve(0.5)).code).toBe('BUDGET_EXCEEDED');
      harness.settle(again as SpendReservation, limit * 0.1);
      first.release();
      expect(reserve(0.85).capUsd).toBeCloseTo(limit * 0.85, 9);
      expect(harness.gate.resume('no-such-reservation')).toBeUndefined();
    });

    it('two reservations that together need more than is left cannot both pass', async () => {
      harness.settle(reserve(0.4), limit * 0.4);
      const racing = await Promise.allSettled([0, 1].map(async () => reserve(0.4)));
      expect(racing.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const [refused] = racing.filter((outcome) => outcome.status === 'rejected');
      expect(isPieBrainError(refused?.reason) && refused.reason.code).toBe('BUDGET_EXCEEDED');
    });
  });
}

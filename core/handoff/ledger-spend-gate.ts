import type { Ledger } from '../../storage/ledger.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { PieBrainError } from '../errors.js';
import type { SpendGate, SpendReservation } from '../spend.js';

/**
 * A minimal SpendGate until core/costs lands (the lead replaces it at merge): the calendar month's spend in
 * the ledger (UTC), plus reservations in flight, plus the new cap must stay within budget.monthlyUsd; the FREE
 * profile refuses every paid call and UNLIMITED none. The caller books the actual cost in the ledger.
 */
export function createLedgerSpendGate(ledger: Ledger, config: Pick<Config, 'budget'>, clock: Clock): SpendGate {
  let inFlight = 0;
  let counter = 0;
  return {
    reserve(request): SpendReservation {
      const { profile, monthlyUsd } = config.budget;
      const now = new Date(clock.now());
      const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
      const spent = ledger.spentBetween(monthStart, clock.now() + 1);
      if (profile === 'FREE' || (profile !== 'UNLIMITED' && spent + inFlight + request.capUsd > monthlyUsd)) {
        const left = Math.max(0, monthlyUsd - spent - inFlight);
        throw new PieBrainError('BUDGET_EXCEEDED', `refused ${request.provider} (cap $${request.capUsd})`, {
          userMessage:
            profile === 'FREE'
              ? 'the budget profile is FREE, so nothing paid may run.'
              : `it may cost up to $${request.capUsd.toFixed(2)} and only $${left.toFixed(2)} of this month's $${monthlyUsd.toFixed(2)} budget is left.`,
        });
      }
      inFlight += request.capUsd;
      counter += 1;
      let open = true;
      const close = () => {
        if (open) inFlight -= request.capUsd;
        open = false;
      };
      return { id: `ledger-${counter}`, capUsd: request.capUsd, settle: close, release: close };
    },
  };
}

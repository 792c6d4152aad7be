import type { HandoffRequest } from '../contracts/handoff.js';
import type { Reply } from '../contracts/messages.js';
import { type RuleGate, withRuleNotes } from '../contracts/rule-gate.js';
import type { HandoffContext } from './harness.js';

type Handle = (request: HandoffRequest, ctx: HandoffContext) => Promise<Reply>;

/**
 * A handoff whose prompt passes the rule packs before a brain is asked for anything: secrets are redacted
 * from what leaves for the cloud (and from the commit message made of it), a blocked pattern refuses the run
 * before it takes a place in line, and warnings become notes under the reply. /handoff and routed handoffs
 * both come through here.
 */
export function guardHandoff(handle: Handle, rules: Pick<RuleGate, 'enforce'>): Handle {
  return async (request, ctx) => {
    const { text, notes } = rules.enforce('brain', request.prompt, ctx.task.id);
    return withRuleNotes(await handle({ ...request, prompt: text }, ctx), notes);
  };
}

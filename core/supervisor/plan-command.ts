import type { PlanOwner, PlanSessionRecord, PlanSessionStore } from '../../storage/plan-sessions.js';
import { type Actor, type ReaderScope, readerScope } from '../access.js';
import type { Command } from '../contracts/command.js';
import type { Reply } from '../contracts/messages.js';
import { planHistory, planStatus } from './plan-reply.js';
import type { Supervisor } from './supervisor.js';

const USAGE =
  'Usage: `/plan <goal>` plans a goal as a few steps and carries them out (`/plan search my notes for RAG; then find new papers on it`); `/plan status [id]` shows a plan; `/plan history [n]` lists your last plans.';
const HISTORY_DEFAULT = 10;
const HISTORY_MAX = 50;

/** Whether a plan is in the reader's scope: theirs, or (for operators) asked in this chat. */
function mayRead(scope: ReaderScope, session: PlanSessionRecord): boolean {
  if (session.platform !== scope.platform) return false;
  return session.userId === scope.userId || (scope.chatId !== undefined && session.chatId === scope.chatId);
}

function mine(actor: Actor): NonNullable<PlanOwner> {
  return { platform: actor.platform, userId: actor.userId };
}

export interface PlanCommandDeps {
  supervisor: Supervisor;
  store: PlanSessionStore;
  /** Times in /plan status and history are shown in the configured zone. */
  timeZone: string;
}

function status(deps: PlanCommandDeps, actor: Actor, chatId: string, id: string | undefined): Reply {
  if (id === undefined) {
    const [latest] = deps.store.recent(mine(actor), 1);
    return latest ? planStatus(latest, deps.timeZone) : { text: 'You have no plans yet. Try `/plan <goal>`.' };
  }
  const session = deps.store.get(Number(id));
  if (!session || !mayRead(readerScope(actor, chatId), session)) {
    return { text: `There is no plan ${id}. \`/plan history\` lists yours.` };
  }
  return planStatus(session, deps.timeZone);
}

/**
 * `/plan <goal>`: the supervisor plans the goal and carries it out step by step; `/plan status [id]` and
 * `/plan history [n]` read the stored plans. Every allowed user may plan: each step is checked against what
 * they may do when it runs.
 */
export function createPlanCommand(deps: PlanCommandDeps): Command {
  return {
    name: 'plan',
    description: 'carry out a goal of several steps, planned by the local model; status and history of plans',
    usage: '/plan <goal> | /plan status [id] | /plan history [n]',
    options: [{ name: 'goal', description: 'what to do, or "status [id]" / "history [n]"', type: 'string', required: true }],
    privileges: ['read'],
    run: (ctx) => {
      const args = ctx.args.trim();
      if (!args) return { text: USAGE };
      const asked = /^status(?:\s+#?(\d{1,12}))?$/i.exec(args);
      if (asked) return status(deps, ctx.actor, ctx.message.address.chatId, asked[1]);
      const history = /^history(?:\s+(\d{1,3}))?$/i.exec(args);
      if (history) {
        const limit = Math.min(HISTORY_MAX, Math.max(1, Number(history[1] ?? HISTORY_DEFAULT)));
        const scope = readerScope(ctx.actor, ctx.message.address.chatId);
        return planHistory(deps.store.recent(scope, limit), deps.timeZone, scope.chatId !== undefined);
      }
      const { dispatch } = ctx;
      if (!dispatch) return { text: 'Plans need the router, and it is not set up here.' };
      return deps.supervisor.run(args, { ...ctx, dispatch });
    },
  };
}

import { z } from 'zod';
import { StandInTool } from '../../../bench/eval/stand-in-tools.js';
import type { Config } from '../../../core/config.js';
import type { HandoffHandler } from '../../../core/contracts/handoff.js';
import type { InboundMessage, Reply } from '../../../core/contracts/messages.js';
import type { TaskContext } from '../../../core/contracts/task.js';
import type { Clock } from '../../../core/lib/clock.js';
import { installSupervisor } from '../../../core/supervisor/install.js';
import { type PlanSessionRecord, PlanSessionStore } from '../../../storage/plan-sessions.js';
import { FakeNoteIndex } from '../../fakes/note-index.js';
import type { RecordedChat } from '../../fakes/ollama.js';
import { RecordingTool } from '../../fakes/tools.js';
import { quietLogger } from '../../helpers.js';
import { createRouterHarness, type RouterHarness } from '../router/harness.js';

/** A plan as the model would write it: [tool, params, handoff?, reason?] per step. */
export function planJson(...steps: Array<[string, Record<string, unknown>, boolean?, string?]>): string {
  return JSON.stringify({
    steps: steps.map(([tool_name, params, handoff = false, reason = `${tool_name} step`]) => ({ tool_name, params, handoff, reason })),
  });
}

/** A planning call (its answer must follow the plan's schema), as opposed to routing or chat. */
export function isPlanning(request: RecordedChat): boolean {
  const format = request.format as { properties?: { steps?: unknown } } | undefined;
  return format?.properties?.steps !== undefined;
}

/** A tool that only reads: a step of it cut short by a restart may run again. */
export function readOnlyTool(): RecordingTool {
  return new RecordingTool(
    new StandInTool('lookup', 'look something up, changing nothing', z.object({ topic: z.string().min(1) }), [], ['read']),
  );
}

export interface PlanHarness extends RouterHarness {
  notes: FakeNoteIndex;
  store: PlanSessionStore;
  /** Plan a goal as `/plan <goal>` in a task of its own (an allowed user's with `isAdmin: false`). */
  plan(goal: string, overrides?: Partial<InboundMessage> & { isAdmin?: boolean }): Promise<PlanRun>;
  /** Run a task's handler again, as the engine does after a restart. */
  rerun(ctx: TaskContext): Promise<Reply>;
}

export interface PlanRun {
  ctx: TaskContext & { progressed: Reply[] };
  reply: Reply;
  session: PlanSessionRecord;
}

/** The router harness (test tools, fake Ollama) with the supervisor installed, memory as a fake note index. */
export async function createPlanHarness(
  options: { clock?: Clock; plan?: Partial<Config['plan']>; engine?: Partial<Config['engine']>; handoff?: HandoffHandler } = {},
): Promise<PlanHarness> {
  const h = await createRouterHarness({
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.handoff ? { handoff: options.handoff } : {}),
  });
  const notes = new FakeNoteIndex();
  const config: Config = {
    ...h.config,
    plan: { ...h.config.plan, ...options.plan },
    engine: { ...h.config.engine, ...options.engine },
  };
  installSupervisor(h.runtime, { config, logger: quietLogger(), routing: h.setup, notes });
  const store = new PlanSessionStore(h.runtime.db);
  return Object.assign(h, {
    notes,
    store,
    async plan(goal: string, overrides: Partial<InboundMessage> & { isAdmin?: boolean } = {}) {
      const ctx = h.task(`/plan ${goal}`, overrides);
      const reply = await h.handle(ctx);
      return { ctx, reply, session: store.forTask(ctx.task.id) as PlanSessionRecord };
    },
    rerun: (ctx: TaskContext) => h.handle(ctx),
  });
}

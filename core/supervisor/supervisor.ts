import {
  type NewPlanStep,
  type PlanSessionRecord,
  type PlanSessionStore,
  type PlanStepRecord,
  SETTLED_STEP_STATUSES,
} from '../../storage/plan-sessions.js';
import type { CommandContext, DispatchOptions } from '../contracts/command.js';
import { joinFooter, type Reply } from '../contracts/messages.js';
import type { NoteIndex } from '../contracts/note-index.js';
import { CHAT_TOOL, type RouteDecision } from '../contracts/route-decision.js';
import { capabilitiesReply } from '../engine/dispatch.js';
import type { ToolRegistry } from '../engine/tool-registry.js';
import { describeForUser, isPieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { raceAbort } from '../lib/race-abort.js';
import type { Logger } from '../logger.js';
import { readsAsSteering } from '../router/rules.js';
import { gatherContext } from './plan-context.js';
import { PlanDeadline } from './plan-deadline.js';
import { overallStatus, planAnswer, planOutline } from './plan-reply.js';
import type { Plan, Planner } from './planner.js';

export interface SupervisorOptions {
  store: PlanSessionStore;
  planner: Planner;
  /** Which steps may run again after a restart depends on what their tool does. */
  tools: ToolRegistry;
  /** Context for plans; without it plans are made without notes. */
  notes?: NoteIndex | undefined;
  clock: Clock;
  /** engine.taskTimeoutSeconds: a plan answers before its task would be stopped. */
  taskTimeoutMs: number;
  logger: Logger;
}

/** What a plan needs of its command's task: the dispatcher above all. */
export type PlanTask = CommandContext & { dispatch: NonNullable<CommandContext['dispatch']> };

// Results of earlier steps a chat step sees, at most.
const EARLIER_CHARS = 600;

const STEERING_GOAL =
  'the goal reads like instructions to pie-brain itself or like shell commands, so nothing was planned (a plan never carries those)';

/**
 * The supervisor of `/plan`: gathers context from memory, has the planner write the steps, stores the plan,
 * and carries it out one step at a time through the dispatcher, so every step passes the same privilege
 * check, budget and one-inference / one-cloud-run limits as any request. Each step is recorded before it
 * starts and after it ends: when the engine runs the task again after a crash, settled steps are not run
 * again, and a step that was cut short runs again only when that is harmless (it only reads, it is a chat
 * answer, or it is the cloud run, which the handoff finds again by its task).
 */
export class Supervisor {
  constructor(private readonly options: SupervisorOptions) {}

  async run(goal: string, ctx: PlanTask): Promise<Reply> {
    const deadline = new PlanDeadline(this.options.clock, this.options.taskTimeoutMs, ctx.extendDeadline);
    try {
      const found = this.options.store.forTask(ctx.task.id);
      if (found) {
        const settled = found.steps.filter((step) => SETTLED_STEP_STATUSES.includes(step.status)).length;
        ctx.trace?.('plan:resumed', { data: { plan: found.id, settled, steps: found.steps.length } });
      }
      const session = found ?? (await this.create(goal, ctx));
      if (session.steps.length === 0) return this.nothingPlanned(session, ctx);
      if (session.status === 'running') await this.carryOut(session, ctx, deadline);
      return planAnswer(this.options.store.get(session.id) as PlanSessionRecord);
    } finally {
      deadline.dispose();
    }
  }

  private async create(goal: string, ctx: PlanTask): Promise<PlanSessionRecord> {
    const { store, clock, planner, notes } = this.options;
    const started = performance.now();
    const steering = readsAsSteering(goal);
    const context = steering ? { notes: [] } : await gatherContext(notes, goal, ctx.signal);
    if (context.problem) ctx.trace?.('plan:context', { data: { problem: context.problem } });
    const plan: Plan = steering
      ? { steps: [], source: 'rules', llmCalls: 0, problem: STEERING_GOAL }
      : await planner.plan(goal, context.notes, { taskId: ctx.task.id, signal: ctx.signal });
    const session = store.create(
      {
        taskId: ctx.task.id,
        platform: ctx.task.platform,
        userId: ctx.task.userId,
        goal,
        source: plan.source,
        problem: plan.problem ?? null,
        context: context.notes,
        steps: plan.steps.map(toNewStep),
      },
      clock.now(),
    );
    ctx.trace?.('plan:made', {
      durationMs: Math.round(performance.now() - started),
      data: { plan: session.id, source: plan.source, steps: plan.steps.length, llmCalls: plan.llmCalls, notes: context.notes.length },
    });
    if (session.steps.length > 1) ctx.progress?.(planOutline(session));
    return session;
  }

  private nothingPlanned(session: PlanSessionRecord, ctx: PlanTask): Reply {
    this.options.store.finish(session.id, 'failed', this.options.clock.now());
    const help = capabilitiesReply(this.options.tools, ctx.actor, `no step fits this goal (${session.problem ?? 'the plan was empty'})`);
    return { text: `*Plan ${session.id}* for “${session.goal.slice(0, 80)}”: nothing to do.\n\n${help.text}` };
  }

  private async carryOut(session: PlanSessionRecord, ctx: PlanTask, deadline: PlanDeadline): Promise<void> {
    const { store, clock, logger } = this.options;
    for (const step of session.steps) {
      if (SETTLED_STEP_STATUSES.includes(step.status)) continue;
      ctx.signal.throwIfAborted();
      if (step.status === 'running' && !this.repeatable(step)) {
        const error = 'pie-brain restarted while this step ran; it is not run again, because it may already have done its work';
        store.settleStep(session.id, step.index, { status: 'interrupted', error }, clock.now());
        ctx.trace?.('plan:step', { data: { plan: session.id, step: step.index + 1, tool: step.toolName, status: 'interrupted' } });
        logger.info({ plan: session.id, step: step.index + 1, tool: step.toolName }, 'a plan step was cut short by a restart');
        continue;
      }
      if (deadline.passed) {
        store.settleStep(session.id, step.index, { status: 'skipped', error: "not started: the task's deadline came first" }, clock.now());
        continue;
      }
      if (step.toolName !== CHAT_TOOL && !this.options.tools.get(step.toolName)) {
        // A plan stored before a restart can name a tool that is no longer loaded.
        store.settleStep(
          session.id,
          step.index,
          { status: 'failed', error: `the ${step.toolName} tool is not loaded any more` },
          clock.now(),
        );
        continue;
      }
      const earlier = store.get(session.id)?.steps.slice(0, step.index) ?? [];
      await this.runStep(session, step, earlier, ctx, deadline);
    }
    store.finish(session.id, overallStatus(store.get(session.id)?.steps ?? []), clock.now());
  }

  /** One step through the dispatcher, recorded before and after. Only the task's own end (cancel, shutdown) escapes. */
  private async runStep(
    session: PlanSessionRecord,
    step: PlanStepRecord,
    earlier: readonly PlanStepRecord[],
    ctx: PlanTask,
    deadline: PlanDeadline,
  ): Promise<void> {
    const { store, clock } = this.options;
    const started = performance.now();
    store.startStep(session.id, step.index, clock.now());
    const signal = AbortSignal.any([ctx.signal, deadline.signal]);
    const decision: RouteDecision = { tool_name: step.toolName, params: step.params, handoff: step.handoff, reason: step.title };
    const options: DispatchOptions = { text: stepText(session, step, earlier), signal, extendDeadline: deadline.extend, source: 'plan' };
    let status: 'done' | 'failed' | 'refused';
    try {
      const reply = await raceAbort(ctx.dispatch(decision, options), signal);
      status = 'done';
      store.settleStep(
        session.id,
        step.index,
        { status, reply: { text: joinFooter(reply), ...(reply.attachments?.length ? { attachments: reply.attachments } : {}) } },
        clock.now(),
      );
    } catch (error) {
      // Cancelled, shutting down, or stopped by the engine: the step stays running for the next run to judge.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const cause = deadline.passed ? deadline.signal.reason : error;
      // Not allowed, or not within the budget: refused, with the reason; anything else failed.
      status = isPieBrainError(cause) && (cause.code === 'FORBIDDEN' || cause.code === 'BUDGET_EXCEEDED') ? 'refused' : 'failed';
      store.settleStep(session.id, step.index, { status, error: describeForUser(cause) }, clock.now());
    }
    ctx.trace?.('plan:step', {
      durationMs: Math.round(performance.now() - started),
      data: { plan: session.id, step: step.index + 1, tool: step.toolName, handoff: step.handoff, status },
    });
  }

  /** A step cut short by a restart runs again only when running it twice changes nothing twice. */
  private repeatable(step: PlanStepRecord): boolean {
    // The cloud run is found again by its task instead of being started twice.
    if (step.handoff || step.toolName === CHAT_TOOL) return true;
    const tool = this.options.tools.get(step.toolName);
    return tool?.privileges.every((privilege) => privilege === 'read') ?? false;
  }
}

function toNewStep(step: RouteDecision): NewPlanStep {
  return { title: step.reason || step.tool_name, toolName: step.tool_name, params: step.params, handoff: step.handoff };
}

/**
 * The request a step's chat or cloud run works on. A chat answer sees what the steps before it found; a cloud
 * brain gets only the goal and its step, never earlier results: those can hold a stranger's text (a paper's
 * abstract), and a coding brain runs code.
 */
export function stepText(
  session: Pick<PlanSessionRecord, 'goal' | 'steps'>,
  step: PlanStepRecord,
  earlier: readonly PlanStepRecord[],
): string {
  const where = `step ${step.index + 1} of ${session.steps.length} of a plan for: ${session.goal.trim()}`;
  if (step.handoff) return `${session.goal.trim()}\n\nThis is ${where}. This step: ${step.title}`;
  const results = earlier
    .filter((before) => before.reply?.text)
    .map((before) => `${before.index + 1}. ${before.title}: ${(before.reply?.text ?? '').replace(/\s+/g, ' ').slice(0, EARLIER_CHARS)}`);
  const found = results.length ? `\nWhat the earlier steps found:\n${results.join('\n')}` : '';
  return `${step.title}\n\n(This is ${where}.${found})`;
}

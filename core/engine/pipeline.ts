import { requirePrivileges } from '../access.js';
import type { CommandContext, CommandTable } from '../commands/command-table.js';
import type { DispatchOptions } from '../contracts/command.js';
import type { Reply } from '../contracts/messages.js';
import type { RouteDecision, RouteSource } from '../contracts/route-decision.js';
import { type RuleGate, withRuleNotes } from '../contracts/rule-gate.js';
import type { TaskContext, TaskHandler } from '../contracts/task.js';
import { describeForUser, isPieBrainError } from '../errors.js';

/** Decides and carries out what a request needs (the router and dispatch): everything that is not a command. */
export interface RouteHandler {
  /** A plain message: route it (rules, cache, the local model) and carry out the decision. */
  route(ctx: TaskContext): Promise<Reply>;
  /** A decision already made (a tool's slash command, a plan's step): carry it out on the same path, with the same checks. */
  dispatch(decision: RouteDecision, ctx: TaskContext, source?: RouteSource): Promise<Reply>;
}

/** The task as one decision of a command sees it: its own request text, signal and deadline where given. */
function decisionContext(ctx: TaskContext, options: DispatchOptions): TaskContext {
  return {
    ...ctx,
    ...(options.text !== undefined ? { message: { ...ctx.message, text: options.text, command: undefined } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.extendDeadline ? { extendDeadline: options.extendDeadline } : {}),
  };
}

export function unknownCommandReply(name: string, commands: CommandTable): Reply {
  const known = commands.list().map((c) => `/${c.name}`);
  return { text: `I don't know the command /${name}. I know: ${known.join(', ')}. Try /help.` };
}

/**
 * The task handler: the request passes the rule packs first (a command or a plain message, before anything
 * runs); a command is looked up once in the command table and checked against the user's privileges before it
 * runs; everything else goes to the route handler. A refusal, for missing privileges or by a rule, wherever it
 * is raised (a tool, the handoff), becomes the reply; the notes of warning rules go under it.
 */
export function createTaskHandler(deps: {
  commands: CommandTable;
  /** The route handler as it is now (compose.ts installs the router after the runtime is built). */
  route: () => RouteHandler | undefined;
  rules?: Pick<RuleGate, 'enforce'>;
}): TaskHandler {
  const handle = async (ctx: TaskContext): Promise<Reply> => {
    const notes = deps.rules?.enforce('command', ctx.message.text, ctx.task.id).notes ?? [];
    return withRuleNotes(await run(ctx), notes);
  };
  const run = async (ctx: TaskContext): Promise<Reply> => {
    const command = ctx.message.command;
    const route = deps.route();
    if (!command) {
      if (!route) return { text: 'I can only answer commands until a router is configured. Try /help.' };
      return route.route(ctx);
    }
    const entry = deps.commands.get(command.name);
    if (!entry) return unknownCommandReply(command.name, deps.commands);
    requirePrivileges(ctx.actor, entry.privileges, `/${entry.name}`);
    ctx.advance({ toolName: `/${entry.name}` });
    const { task, message, actor, isAdmin, signal, extendDeadline, refundAttempt, detached, trace, progress } = ctx;
    const commandContext: CommandContext = {
      task,
      message,
      args: command.args,
      actor,
      isAdmin,
      signal,
      extendDeadline,
      refundAttempt,
      detached,
      trace,
      progress,
    };
    if (route) {
      commandContext.dispatch = (decision, options = {}) => route.dispatch(decision, decisionContext(ctx, options), options.source);
      commandContext.route = (text) => route.route({ ...ctx, message: { ...ctx.message, text, command: undefined } });
    }
    return entry.run(commandContext);
  };
  return async (ctx) => {
    try {
      return await handle(ctx);
    } catch (error) {
      if (isPieBrainError(error) && error.code === 'FORBIDDEN') {
        ctx.trace('refused', { data: { reason: error.message } });
        return { text: describeForUser(error) };
      }
      // The rule-hit is already in the trace.
      if (isPieBrainError(error) && error.code === 'RULE_BLOCKED') return { text: `⛔ ${describeForUser(error)}` };
      throw error;
    }
  };
}

import type { CommandRegistry } from '../commands/command-table.js';
import type { Reply } from '../contracts/messages.js';
import type { TaskContext, TaskHandler } from '../contracts/task.js';
import type { ToolRegistry } from './tool-registry.js';

/** Decides and runs what a request needs (the router and dispatch): everything that is not a built-in command. */
export type RouteHandler = (ctx: TaskContext) => Promise<Reply>;

export function unknownCommandReply(name: string, commands: CommandRegistry, tools: ToolRegistry): Reply {
  const known = [
    ...commands.list().map((c) => `/${c.name}`),
    ...tools.list().flatMap((t) => t.slashCommands.map((s) => `/${s.command}`)),
  ].sort();
  return { text: `I don't know the command /${name}. I know: ${known.join(', ')}. Try /help.` };
}

/**
 * The task handler: built-in commands first (no model), then the route handler. Admin-only commands
 * refuse everyone else.
 */
export function createTaskHandler(deps: {
  commands: CommandRegistry;
  tools: ToolRegistry;
  /** The route handler as it is now (main.ts installs the router after the runtime is built). */
  route: () => RouteHandler | undefined;
}): TaskHandler {
  return async (ctx) => {
    const command = ctx.message.command;
    if (command) {
      const builtin = deps.commands.get(command.name);
      if (builtin) {
        if (builtin.adminOnly && !ctx.isAdmin) return { text: `/${builtin.name} is for admins only.` };
        ctx.advance({ toolName: `/${builtin.name}` });
        const { task, message, isAdmin, signal, extendDeadline, refundAttempt, detached } = ctx;
        return builtin.run({ task, message, args: command.args, isAdmin, signal, extendDeadline, refundAttempt, detached });
      }
      if (!deps.tools.bySlashCommand(command.name)) return unknownCommandReply(command.name, deps.commands, deps.tools);
    }
    const route = deps.route();
    if (!route) return { text: 'I can only answer commands until a router is configured. Try /help.' };
    return route(ctx);
  };
}

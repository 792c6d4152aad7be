import type { RouteDecision } from '../contracts/route-decision.js';
import type { Tool, ToolSlashCommand } from '../contracts/tool.js';
import type { Command } from './command-table.js';

/** A tool's slash command's arguments as the tool's params, or the usage problem to show. */
export function parseToolArgs(tool: Tool, slash: ToolSlashCommand, args: string): { decision: RouteDecision } | { problem: string } {
  let params: unknown;
  try {
    params = slash.toParams(args);
  } catch (error) {
    const detail = error instanceof Error ? `${error.message}. ` : '';
    return { problem: `${detail}Usage: \`${slash.usage}\`` };
  }
  const checked = tool.params.safeParse(params);
  if (!checked.success || typeof params !== 'object' || params === null) {
    const detail = checked.success ? '' : `${checked.error.issues[0]?.message ?? 'bad arguments'}. `;
    return { problem: `${detail}Usage: \`${slash.usage}\`` };
  }
  return { decision: { tool_name: tool.name, params: params as Record<string, unknown>, handoff: false, reason: `/${slash.command}` } };
}

/** The command a tool's slash command becomes: it carries the tool's privileges and runs through the dispatcher. */
export function toolCommand(tool: Tool, slash: ToolSlashCommand): Command {
  return {
    name: slash.command,
    description: slash.description ?? tool.description,
    usage: slash.usage,
    ...(slash.options ? { options: slash.options } : {}),
    privileges: tool.privileges,
    async run(ctx) {
      const parsed = parseToolArgs(tool, slash, ctx.args);
      if ('problem' in parsed) return { text: parsed.problem };
      if (!ctx.dispatch) return { text: `/${slash.command} cannot run yet: the router is not set up.` };
      return ctx.dispatch(parsed.decision);
    },
  };
}

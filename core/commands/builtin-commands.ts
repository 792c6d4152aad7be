import type { TaskQueue } from '../../storage/queue.js';
import type { Engine } from '../engine/engine.js';
import type { ToolRegistry } from '../engine/tool-registry.js';
import type { Command, CommandRegistry } from './command-table.js';

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function parseTaskId(args: string): number | undefined {
  const id = Number(args.trim().replace(/^#/, ''));
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/** /help, /ping, /task and /cancel: answered without any model. */
export function registerBuiltinCommands(
  registry: CommandRegistry,
  deps: { queue: TaskQueue; engine: () => Engine; tools: ToolRegistry },
): void {
  const help: Command = {
    name: 'help',
    description: 'what I can do',
    run: ({ isAdmin }) => {
      const lines = ['*pie-brain* answers plain messages and these commands:', ''];
      const entries: Array<[string, string, boolean]> = [
        ...registry.list().map((c) => [c.usage ?? `/${c.name}`, c.description, c.adminOnly ?? false] as [string, string, boolean]),
        ...deps.tools
          .list()
          .flatMap((tool) => tool.slashCommands.map((s) => [s.usage, tool.description, tool.adminOnly] as [string, string, boolean])),
      ].sort((a, b) => a[0].localeCompare(b[0]));
      for (const [usage, description, adminOnly] of entries) {
        if (adminOnly && !isAdmin) continue;
        lines.push(`- \`${usage}\`: ${description}${adminOnly ? ' (admin)' : ''}`);
      }
      lines.push('', 'Anything else is read by the local model and sent to the right tool.');
      return { text: lines.join('\n') };
    },
  };
  const ping: Command = { name: 'ping', description: 'check that I am alive', run: () => ({ text: 'pong' }) };
  const task: Command = {
    name: 'task',
    description: 'status and trace of a task',
    usage: '/task <id>',
    run: ({ args, isAdmin, message }) => {
      const id = parseTaskId(args);
      if (id === undefined) return { text: 'Usage: `/task <id>`, for example `/task 12`.' };
      const record = deps.queue.get(id);
      if (!record || (!isAdmin && record.userId !== message.user.id)) return { text: `There is no task ${id}.` };
      const lines = [
        `*Task ${id}*: ${record.status}${record.toolName ? ` (${record.toolName})` : ''}, attempt ${record.attempts}`,
        `Asked ${formatTime(record.createdAt)}: ${record.requestText.slice(0, 200)}`,
      ];
      if (record.error) lines.push(`Error: ${record.error.slice(0, 300)}`);
      lines.push('', 'Trace:');
      for (const event of deps.queue.events(id)) {
        const extra = [
          event.durationMs != null ? `${event.durationMs} ms` : '',
          event.tokensIn != null ? `${event.tokensIn}+${event.tokensOut ?? 0} tok` : '',
          event.costUsd ? `$${event.costUsd.toFixed(4)}` : '',
        ]
          .filter(Boolean)
          .join(', ');
        lines.push(`- ${formatTime(event.at)} ${event.type}${extra ? ` (${extra})` : ''}`);
      }
      return { text: lines.join('\n') };
    },
  };
  const cancel: Command = {
    name: 'cancel',
    description: 'stop a task',
    usage: '/cancel <id>',
    run: ({ args, isAdmin, message }) => {
      const id = parseTaskId(args);
      if (id === undefined) return { text: 'Usage: `/cancel <id>`, for example `/cancel 12`.' };
      const record = deps.queue.get(id);
      if (!record || (!isAdmin && record.userId !== message.user.id)) return { text: `There is no task ${id}.` };
      switch (deps.engine().cancel(id)) {
        case 'cancelled':
          return { text: `Cancelled task ${id}; it had not started.` };
        case 'running':
          return { text: `Stopping task ${id}.` };
        case 'finished':
          return { text: `Task ${id} has already finished (${record.status}).` };
        case 'not-found':
          return { text: `There is no task ${id}.` };
      }
    },
  };
  for (const command of [help, ping, task, cancel]) registry.register(command);
}

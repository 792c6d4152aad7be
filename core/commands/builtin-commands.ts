import type { TaskQueue, TaskRecord } from '../../storage/queue.js';
import { isRestricted, missingPrivileges } from '../access.js';
import type { Reply } from '../contracts/messages.js';
import type { Engine } from '../engine/engine.js';
import { formatTokens, formatUsd } from '../lib/format.js';
import type { Command, CommandContext, CommandTable } from './command-table.js';

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function parseTaskId(args: string): number | undefined {
  const id = Number(args.trim().replace(/^#/, ''));
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

const TASK_ID = [{ name: 'id', description: 'the task number', type: 'integer', required: true }] as const;

/** /help, /ping, /ask, /task and /cancel: answered without any model (/ask routes its text like a plain message). */
export function registerBuiltinCommands(table: CommandTable, deps: { queue: TaskQueue; engine: () => Engine }): void {
  /** The task an id names, if the user may see it (their own; admins see every task). */
  const findTask = ({ args, isAdmin, message }: CommandContext, command: string): { id: number; record: TaskRecord } | { reply: Reply } => {
    const id = parseTaskId(args);
    if (id === undefined) return { reply: { text: `Usage: \`/${command} <id>\`, for example \`/${command} 12\`.` } };
    const record = deps.queue.get(id);
    // The same user id on another platform is another person.
    const theirs = record?.platform === message.address.platform && record?.userId === message.user.id;
    if (!record || (!isAdmin && !theirs)) return { reply: { text: `There is no task ${id}.` } };
    return { id, record };
  };
  const help: Command = {
    name: 'help',
    description: 'what I can do',
    usage: '/help',
    privileges: ['read'],
    run: ({ actor }) => {
      const lines = ['*pie-brain* answers plain messages and these commands:', ''];
      for (const command of table.list()) {
        if (missingPrivileges(actor, command.privileges).length > 0) continue;
        lines.push(`- \`${command.usage}\`: ${command.description}${isRestricted(command.privileges) ? ' (admin)' : ''}`);
      }
      lines.push('', 'Anything else is read by the local model and sent to the right tool.');
      return { text: lines.join('\n') };
    },
  };
  const ping: Command = {
    name: 'ping',
    description: 'check that I am alive',
    usage: '/ping',
    privileges: ['read'],
    run: () => ({ text: 'pong' }),
  };
  const ask: Command = {
    name: 'ask',
    description: 'ask me anything, as a plain message',
    usage: '/ask <question>',
    options: [{ name: 'question', description: 'what you want to know or have done', type: 'string', required: true }],
    privileges: ['read'],
    run: ({ args, route }) => {
      if (!args.trim()) return { text: 'Usage: `/ask <question>`, for example `/ask what is new in my inbox?`' };
      if (!route) return { text: 'I can only answer commands until a router is configured. Try /help.' };
      return route(args);
    },
  };
  const task: Command = {
    name: 'task',
    description: 'status and trace of a task',
    usage: '/task <id>',
    options: TASK_ID,
    privileges: ['read'],
    run: (ctx) => {
      const found = findTask(ctx, 'task');
      if ('reply' in found) return found.reply;
      const { id, record } = found;
      const lines = [
        `*Task ${id}*: ${record.status}${record.toolName ? ` (${record.toolName})` : ''}, attempt ${record.attempts}`,
        `Asked ${formatTime(record.createdAt)}: ${record.requestText.slice(0, 200)}`,
      ];
      if (record.error) lines.push(`Error: ${record.error.slice(0, 300)}`);
      lines.push('', 'Trace:');
      for (const event of deps.queue.events(id)) {
        const extra = [
          event.durationMs != null ? `${event.durationMs} ms` : '',
          event.tokensIn != null ? formatTokens(event.tokensIn, event.tokensOut ?? 0) : '',
          event.costUsd ? formatUsd(event.costUsd) : '',
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
    options: TASK_ID,
    privileges: ['read'],
    run: (ctx) => {
      const found = findTask(ctx, 'cancel');
      if ('reply' in found) return found.reply;
      const { id, record } = found;
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
  for (const command of [help, ping, ask, task, cancel]) table.register(command);
}

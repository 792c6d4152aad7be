import type { TaskRecord } from '../../storage/queue.js';
import type { InboundMessage, Reply } from '../contracts/messages.js';
import type { TaskControls } from '../contracts/task.js';

/** A command's task; the task's controls are there when it runs inside the engine (/handoff uses them). */
export interface CommandContext extends Partial<TaskControls> {
  task: TaskRecord;
  message: InboundMessage;
  args: string;
  isAdmin: boolean;
  signal: AbortSignal;
}

/** A command answered without any model. */
export interface Command {
  name: string;
  description: string;
  usage?: string;
  adminOnly?: boolean;
  run(ctx: CommandContext): Promise<Reply> | Reply;
}

export class CommandRegistry {
  private readonly commands = new Map<string, Command>();

  register(command: Command): void {
    if (this.commands.has(command.name)) throw new Error(`Two commands are named /${command.name}`);
    this.commands.set(command.name, command);
  }

  get(name: string): Command | undefined {
    return this.commands.get(name);
  }

  list(): Command[] {
    return [...this.commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

import { isRestricted } from '../access.js';
import type { Command, MenuEntry } from '../contracts/command.js';

export type { Command, CommandContext, CommandOption, MenuEntry } from '../contracts/command.js';

/** Lower-case letters, digits, `_` and `-`: what every platform accepts as a command name. */
const NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Every command pie-brain answers, built-in or a tool's, in one table: one lookup, one menu for every platform. */
export class CommandTable {
  private readonly commands = new Map<string, Command>();

  register(command: Command): void {
    if (!NAME.test(command.name)) throw new Error(`/${command.name} is not a valid command name`);
    if (this.commands.has(command.name)) throw new Error(`Two commands are named /${command.name}`);
    this.commands.set(command.name, command);
  }

  get(name: string): Command | undefined {
    return this.commands.get(name.toLowerCase());
  }

  list(): Command[] {
    return [...this.commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** What the platforms publish: Telegram's menu, Discord's application commands, the Slack manifest. */
  menu(): MenuEntry[] {
    return this.list().map((command) => ({
      name: command.name,
      description: command.description,
      usage: command.usage,
      options: command.options ?? [],
      adminOnly: isRestricted(command.privileges),
    }));
  }
}

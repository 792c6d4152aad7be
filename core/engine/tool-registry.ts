import type { CommandTable } from '../commands/command-table.js';
import { toolCommand } from '../commands/tool-commands.js';
import type { Tool, ToolSlashCommand } from '../contracts/tool.js';

/** The tools pie-brain can run, by name. A tool's slash commands join the command table when it is added. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(
    tools: Iterable<Tool> = [],
    private readonly commands?: CommandTable,
  ) {
    for (const tool of tools) this.add(tool);
  }

  add(tool: Tool): void {
    if (this.tools.has(tool.name)) throw new Error(`Two tools are named ${tool.name}`);
    for (const slash of tool.slashCommands) this.commands?.register(toolCommand(tool, slash));
    this.tools.set(tool.name, tool);
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  list(): Tool[] {
    return [...this.tools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The tool behind a slash-command name (the rules turn their guesses into a tool's params with it). */
  bySlashCommand(command: string): { tool: Tool; slash: ToolSlashCommand } | undefined {
    for (const tool of this.tools.values()) {
      const slash = tool.slashCommands.find((candidate) => candidate.command === command);
      if (slash) return { tool, slash };
    }
    return undefined;
  }
}

import type { Tool } from '../contracts/tool.js';

/** The tools pie-brain can run, by name, and the slash commands that lead straight to them. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(tools: Iterable<Tool> = []) {
    for (const tool of tools) this.add(tool);
  }

  add(tool: Tool): void {
    if (this.tools.has(tool.name)) throw new Error(`Two tools are named ${tool.name}`);
    this.tools.set(tool.name, tool);
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  list(): Tool[] {
    return [...this.tools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The tool and params a slash command leads to, if any tool claims it. */
  bySlashCommand(command: string): { tool: Tool; toParams: (args: string) => unknown } | undefined {
    for (const tool of this.tools.values()) {
      const match = tool.slashCommands.find((slash) => slash.command === command);
      if (match) return { tool, toParams: (args) => match.toParams(args) };
    }
    return undefined;
  }
}

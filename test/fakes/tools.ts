import { createStandInTools, type StandInTool } from '../../bench/eval/stand-in-tools.js';
import { type Privilege, requirePrivileges } from '../../core/access.js';
import type { Tool, ToolContext, ToolResult, ToolSlashCommand } from '../../core/contracts/tool.js';
import { ToolRegistry } from '../../core/engine/tool-registry.js';

/** What a tool double was asked to do. */
export interface ToolCall {
  params: unknown;
  ctx: ToolContext;
}

/**
 * A test double of one of the tools: the same name, description, params and slash commands the
 * router sees, recording each call; `answer` scripts the result (or throws).
 */
export class RecordingTool implements Tool {
  readonly calls: ToolCall[] = [];
  answer: (params: unknown, ctx: ToolContext) => Promise<ToolResult> | ToolResult;

  constructor(private readonly inner: StandInTool) {
    this.answer = (params, ctx) => inner.runLocal(params, ctx);
  }

  get name(): string {
    return this.inner.name;
  }
  get description(): string {
    return this.inner.description;
  }
  get params() {
    return this.inner.params;
  }
  get privileges(): readonly Privilege[] {
    return this.inner.privileges;
  }
  get slashCommands(): readonly ToolSlashCommand[] {
    return this.inner.slashCommands;
  }

  async runLocal(params: unknown, ctx: ToolContext): Promise<ToolResult> {
    requirePrivileges(ctx.actor, this.privileges, `the ${this.name} tool`);
    this.params.parse(params);
    this.calls.push({ params, ctx });
    return this.answer(params, ctx);
  }
}

/** arxiv, memory, git and run_code doubles, by name. */
export function createTestTools(): Record<'arxiv' | 'memory' | 'git' | 'run_code', RecordingTool> {
  const byName = Object.fromEntries(createStandInTools().map((tool) => [tool.name, new RecordingTool(tool)]));
  return byName as Record<'arxiv' | 'memory' | 'git' | 'run_code', RecordingTool>;
}

export function registryOf(tools: Record<string, Tool>): ToolRegistry {
  return new ToolRegistry(Object.values(tools));
}

import type { z } from 'zod';
import { type Privilege, requirePrivileges } from '../core/access.js';
import type { Config, Paths } from '../core/config.js';
import type { NoteIndex } from '../core/contracts/note-index.js';
import type { Tool, ToolContext, ToolResult, ToolSlashCommand } from '../core/contracts/tool.js';
import type { EventBus } from '../core/engine/events.js';
import type { Clock } from '../core/lib/clock.js';
import type { LlmProvider } from '../core/llm/provider.js';
import type { Logger } from '../core/logger.js';
import type { MemoryLog } from '../core/memory-log/memory-log.js';
import type { Db } from '../storage/db.js';

export type { ToolContext, ToolResult, ToolSlashCommand } from '../core/contracts/tool.js';

/** What every tool module's factory receives from compose.ts. */
export interface ToolDeps {
  config: Config;
  paths: Paths;
  logger: Logger;
  clock: Clock;
  db: Db;
  bus: EventBus;
  /** The local model (Ollama), when a tool wants it. */
  llm?: LlmProvider;
  fetch?: typeof fetch;
  /** The memory's dedup check, when memory is configured (tools that write notes consult it). */
  notes?: NoteIndex;
  /** The memory event log (the memory tool reads it back). */
  memoryLog?: MemoryLog;
}

/** Each module in tools/ default-exports one of these. Returning null leaves the tool out (not configured). */
export type ToolFactory = (deps: ToolDeps) => BaseTool | BaseTool[] | null | Promise<BaseTool | BaseTool[] | null>;

/**
 * The tool contract: `runLocal` runs on the Pi. Heavy work is never a tool's own child process: the router
 * hands it to the active cloud brain instead (core/handoff). Each tool declares its privileges, and
 * `runLocal` checks them against the user before anything runs, whatever path led here.
 */
export abstract class BaseTool<P extends z.ZodType = z.ZodType> implements Tool {
  abstract readonly name: string;
  abstract readonly description: string;
  abstract readonly params: P;
  readonly privileges: readonly Privilege[] = ['read'];
  readonly slashCommands: readonly ToolSlashCommand[] = [];

  abstract run(params: z.infer<P>, ctx: ToolContext): Promise<ToolResult>;

  /** Validate the params with the tool's own schema, then run. */
  async runLocal(params: unknown, ctx: ToolContext): Promise<ToolResult> {
    requirePrivileges(ctx.actor, this.privileges, `the ${this.name} tool`);
    return this.run(this.params.parse(params) as z.infer<P>, ctx);
  }
}

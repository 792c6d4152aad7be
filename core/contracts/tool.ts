import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { Address, Attachment, ChatUser } from './messages.js';

/** What a tool gets besides its params. */
export interface ToolContext {
  taskId: number | null;
  user: ChatUser;
  address: Address;
  isAdmin: boolean;
  signal: AbortSignal;
  logger: Logger;
  /** Say something in the thread before the result (a progress line). */
  progress?(text: string): void;
}

export interface ToolResult {
  text: string;
  /** Files written (notes in ~/brain/inbox, digests). */
  files?: string[];
  links?: Array<{ title: string; url: string }>;
  images?: Attachment[];
  data?: unknown;
}

/** A command line to hand off; always an argv array, never a shell string. */
export interface SpawnCommand {
  file: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}

/** A slash command that goes straight to a tool, skipping the model. */
export interface ToolSlashCommand {
  command: string;
  usage: string;
  /** Turn the text after the command into the tool's params. */
  toParams(args: string): unknown;
}

/**
 * The tool contract core relies on. tools/base.ts provides `BaseTool`, which every tool extends;
 * the registry loads every module of tools/ at start-up.
 */
export interface Tool {
  readonly name: string;
  /** One line: it is shown to the router model in the catalog. */
  readonly description: string;
  readonly params: z.ZodType;
  readonly adminOnly: boolean;
  readonly slashCommands: readonly ToolSlashCommand[];
  runLocal(params: unknown, ctx: ToolContext): Promise<ToolResult>;
  getSpawnCmd?(params: unknown, ctx: ToolContext): SpawnCommand | undefined;
}

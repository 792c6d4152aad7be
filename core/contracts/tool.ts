import type { z } from 'zod';
import type { Actor, Privilege } from '../access.js';
import type { Logger } from '../logger.js';
import type { CommandOption } from './command.js';
import type { Address, Attachment, ChatUser } from './messages.js';

/** What a tool gets besides its params. */
export interface ToolContext {
  taskId: number | null;
  user: ChatUser;
  address: Address;
  /** Who asked, with their privileges: a tool checks its own before it acts. */
  actor: Actor;
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
  /**
   * The text only repeats what memory already holds (a search, the event log): the log keeps that it
   * happened, not the text again, and later searches leave it out instead of finding their own echoes.
   */
  recall?: boolean;
}

/** A slash command that goes straight to a tool, skipping the model; it joins the command table when the tool loads. */
export interface ToolSlashCommand {
  command: string;
  usage: string;
  /** Shown in menus; the tool's description when absent. */
  description?: string;
  /** Typed options for platforms that have them (joined in order into the argument text). */
  options?: readonly CommandOption[];
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
  /** What running it does: checked against the user on every path that reaches the tool. */
  readonly privileges: readonly Privilege[];
  readonly slashCommands: readonly ToolSlashCommand[];
  runLocal(params: unknown, ctx: ToolContext): Promise<ToolResult>;
  /**
   * The text these params would execute on the Pi (code, a command line), for a tool that runs what it is
   * given: the rule packs check it before the tool runs, whichever path chose the tool. Undefined: nothing.
   */
  executedText?(params: unknown): string | undefined;
}

import type { TaskRecord } from '../../storage/queue.js';
import type { Actor, Privilege } from '../access.js';
import type { InboundMessage, Reply } from './messages.js';
import type { RouteDecision, RouteSource } from './route-decision.js';
import type { TaskContext, TaskControls } from './task.js';

/**
 * One typed argument, for platforms with typed slash-command options (Discord). A platform joins the values
 * in the declared order into the command's argument text, so every command parses one string on every
 * platform.
 */
export interface CommandOption {
  name: string;
  description: string;
  type: 'string' | 'integer';
  required?: boolean;
  /** The only values allowed (Discord offers them as a list). */
  choices?: readonly string[];
}

/**
 * How a command carries out a decision that is one part of its work (a step of a plan): the text chat and a
 * cloud brain work on, and the step's own signal and deadline. Everything else is the command's task.
 */
export interface DispatchOptions {
  /** The request chat answers and a handoff sends to the cloud brain; by default the command's message. */
  text?: string;
  /** Aborts this decision only (a plan's deadline); by default the task's signal. */
  signal?: AbortSignal;
  /** Where a run with its own, longer limit (a cloud run) moves the deadline; by default the task's. */
  extendDeadline?(ms: number): void;
  /** How the decision is traced; `slash` by default. */
  source?: RouteSource;
}

/** A command's task; the task's controls are there when it runs inside the engine (/handoff uses them). */
export interface CommandContext extends Partial<TaskControls>, Partial<Pick<TaskContext, 'trace' | 'progress'>> {
  task: TaskRecord;
  message: InboundMessage;
  args: string;
  actor: Actor;
  isAdmin: boolean;
  signal: AbortSignal;
  /** Carry out a route decision through the dispatcher: the path (and the checks) every route takes. */
  dispatch?(decision: RouteDecision, options?: DispatchOptions): Promise<Reply>;
  /** Route `text` as if it had been sent as a plain message (`/ask`). */
  route?(text: string): Promise<Reply>;
}

/** The only way a command exists: its name, how it is used, what it does (privileges) and how it runs. */
export interface Command {
  name: string;
  description: string;
  usage: string;
  options?: readonly CommandOption[];
  /** What running it does; checked against the user before it runs, on every platform. */
  privileges: readonly Privilege[];
  run(ctx: CommandContext): Promise<Reply> | Reply;
}

/** A command as a platform's menu shows it. */
export interface MenuEntry {
  name: string;
  description: string;
  usage: string;
  options: readonly CommandOption[];
  /** Needs more than every allowed user holds: shown only to admins where a platform can tell. */
  adminOnly: boolean;
}

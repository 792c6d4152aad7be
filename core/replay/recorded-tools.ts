import { requirePrivileges } from '../access.js';
import type { HandoffRequest } from '../contracts/handoff.js';
import type { Reply } from '../contracts/messages.js';
import { toolCallKey } from '../contracts/recording.js';
import type { Tool, ToolContext, ToolResult } from '../contracts/tool.js';
import { type ErrorCode, PieBrainError } from '../errors.js';
import type { RecordedToolCall } from './recording.js';

/** A tool run (or handoff) the replay asked for, and whether the recording had it. */
export interface ReplayedToolCall {
  tool: string;
  key: string;
  params: unknown;
  found: boolean;
  /** Set when the recorded output was cut: the replayed reply can only match up to the cut. */
  cutFrom?: number;
}

/**
 * The outputs a task's tools (and its cloud run) gave when it ran, looked up by the hash of (tool, params). A
 * replay never runs a tool nor starts a cloud run: params that are not in the recording are a miss.
 */
export class RecordedOutputs {
  readonly calls: ReplayedToolCall[] = [];
  private readonly used = new Set<number>();

  constructor(private readonly recorded: readonly RecordedToolCall[]) {}

  private take(tool: string, params: unknown): RecordedToolCall {
    const key = toolCallKey(tool, params);
    const index = this.recorded.findIndex((call, i) => !this.used.has(i) && call.key === key);
    const call = this.recorded[index];
    this.calls.push({ tool, key, params, found: call !== undefined, ...(call?.output?.cutFrom ? { cutFrom: call.output.cutFrom } : {}) });
    if (!call) {
      const what = tool === 'handoff' ? 'The cloud brain was' : `The ${tool} tool was`;
      throw new PieBrainError('REPLAY_MISS', `${what} asked for something the recording does not have; a replay never runs it.`);
    }
    this.used.add(index);
    if (call.error) {
      throw new PieBrainError(call.error.code as ErrorCode, call.error.message, {
        ...(call.error.userMessage ? { userMessage: call.error.userMessage } : {}),
      });
    }
    return call;
  }

  tool(tool: string, params: unknown): ToolResult {
    const output = this.take(tool, params).output ?? { text: '' };
    return {
      text: output.text,
      ...(output.links ? { links: output.links } : {}),
      ...(output.files ? { files: output.files } : {}),
      ...(output.images ? { images: output.images } : {}),
    };
  }

  handoff(request: HandoffRequest): Reply {
    const output = this.take('handoff', request).output ?? { text: '' };
    return { text: output.text, ...(output.images ? { attachments: output.images } : {}) };
  }
}

/**
 * Today's tool as the router and the dispatcher see it (name, description, params, privileges, slash commands),
 * answering from the recording: its privileges and params are checked as the real tool checks them, and then
 * nothing runs.
 */
export class RecordedTool implements Tool {
  constructor(
    private readonly today: Tool,
    private readonly outputs: RecordedOutputs,
  ) {}

  get name() {
    return this.today.name;
  }
  get description() {
    return this.today.description;
  }
  get params() {
    return this.today.params;
  }
  get privileges() {
    return this.today.privileges;
  }
  get slashCommands() {
    return this.today.slashCommands;
  }

  async runLocal(params: unknown, ctx: ToolContext): Promise<ToolResult> {
    requirePrivileges(ctx.actor, this.privileges, `the ${this.name} tool`);
    this.params.parse(params);
    return this.outputs.tool(this.name, params);
  }
}

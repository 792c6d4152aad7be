import { type Actor, missingPrivileges, requirePrivileges } from '../access.js';
import { budgetRefusalReply, type HandoffHandler, type HandoffRequest } from '../contracts/handoff.js';
import type { Reply } from '../contracts/messages.js';
import {
  RECORDED_HANDOFF,
  RECORDED_LIST_ITEMS,
  RECORDED_TOOL_PREFIX,
  recordParams,
  recordText,
  toolCallKey,
} from '../contracts/recording.js';
import { CHAT_TOOL, type RouteDecision, type RouteOutcome, type RouteSource } from '../contracts/route-decision.js';
import { type RuleGate, withRuleNotes } from '../contracts/rule-gate.js';
import type { TaskContext } from '../contracts/task.js';
import type { Tool, ToolContext, ToolResult } from '../contracts/tool.js';
import { describeForUser, isPieBrainError, PieBrainError } from '../errors.js';
import type { Semaphore } from '../lib/semaphore.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './events.js';
import type { ToolRegistry } from './tool-registry.js';

/** Answers a `chat` decision (the local model, see core/router/chat.ts). */
export interface ChatAnswerer {
  answer(ctx: TaskContext, decision?: RouteDecision): Promise<Reply>;
  /** Whether a paid model would answer this user's chat because the local model is down (config router.cloudChat). */
  answersInCloud?(ctx: TaskContext): boolean;
}

export interface DispatcherOptions {
  tools: ToolRegistry;
  /** The tool pool (runtime.limits.tools). */
  toolLimit: Semaphore;
  bus: EventBus;
  logger: Logger;
  chat: ChatAnswerer;
  /** The cloud side; another module provides it. Without one, handoffs are answered with a clear refusal. */
  handoff?: HandoffHandler;
  /** The rule packs: what a tool would execute is checked before it runs. */
  rules?: Pick<RuleGate, 'enforce'>;
}

/** A tool's result as a reply: its text, links it did not already mention, and its images. */
export function replyFromResult(result: ToolResult): Reply {
  const links = (result.links ?? []).filter((link) => !result.text.includes(link.url));
  const text = links.length
    ? `${result.text}\n\n${links.map((link) => `- [${link.title.replace(/[[\]]/g, '')}](${link.url})`).join('\n')}`
    : result.text;
  return { text: text.trim() ? text : 'Done.', ...(result.images?.length ? { attachments: result.images } : {}) };
}

/** What pie-brain can do for this user, for requests nothing fits (and the local model cannot chat about). */
export function capabilitiesReply(tools: ToolRegistry, actor: Actor, note?: string): Reply {
  const lines = [`I could not work out what you need${note ? `: ${note}` : ''}.`, 'I can:'];
  for (const tool of tools.list()) {
    if (missingPrivileges(actor, tool.privileges).length > 0) continue;
    const usage = tool.slashCommands.map((s) => `\`${s.usage}\``).join(', ');
    lines.push(`- ${tool.description}${usage ? ` (${usage})` : ''}`);
  }
  lines.push('- chat with you when the local model is running', '', 'Try /help for every command.');
  return { text: lines.join('\n') };
}

/** A tool's result or error as its trace records it for replay (text cut; files, links and image paths kept). */
function recordedOutcome(outcome: { result: ToolResult } | { error: unknown }): Record<string, unknown> {
  if ('error' in outcome) {
    const error = outcome.error;
    return {
      error: {
        code: isPieBrainError(error) ? error.code : 'INTERNAL',
        message: recordText(error instanceof Error ? error.message : String(error)).text,
        ...(isPieBrainError(error) && error.userMessage ? { userMessage: error.userMessage } : {}),
      },
    };
  }
  const { text, links, files, images } = outcome.result;
  const list = <T>(items: T[] | undefined) => (items?.length ? items.slice(0, RECORDED_LIST_ITEMS) : undefined);
  const kept = { links: list(links), files: list(files), images: list(images) };
  return { output: { ...recordText(text), ...Object.fromEntries(Object.entries(kept).filter(([, items]) => items)) } };
}

/** A handoff's reply (or refusal) as the trace records it for replay. */
function recordedReply(outcome: { reply: Reply } | { error: unknown }): Record<string, unknown> {
  if ('error' in outcome) return recordedOutcome(outcome);
  const { text, attachments } = outcome.reply;
  return { output: { ...recordText(text), ...(attachments?.length ? { images: attachments } : {}) } };
}

function repoOf(params: Record<string, unknown>): string | undefined {
  return typeof params.repo === 'string' && params.repo ? params.repo : undefined;
}

/**
 * Carries out a RouteDecision: a tool on the Pi (in the tool pool), a handoff to the cloud brain, or chat
 * with the local model. Every decision, from a slash command, the rules, the cache or the model, passes the
 * same privilege check here; the tool and the handoff check again themselves before they act.
 */
export class Dispatcher {
  private handoff: HandoffHandler | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.handoff = options.handoff;
  }

  /** compose.ts installs the cloud side once it exists. */
  setHandoffHandler(handler: HandoffHandler | undefined): void {
    this.handoff = handler;
  }

  async dispatch(outcome: RouteOutcome, ctx: TaskContext): Promise<Reply> {
    const decision = outcome.decision;
    if (!decision) {
      if (outcome.source === 'slash' && outcome.problem) return { text: outcome.problem };
      // The local model is down and no rule fits: a user allowed to spend gets a paid model's answer instead.
      if (outcome.source === 'fallback' && this.options.chat.answersInCloud?.(ctx)) return this.options.chat.answer(ctx);
      const note = outcome.source === 'fallback' ? 'the local model could not help just now, and no simple rule fits' : undefined;
      return capabilitiesReply(this.options.tools, ctx.actor, note);
    }
    const tool = decision.tool_name === CHAT_TOOL ? undefined : this.options.tools.get(decision.tool_name);
    // Checked before a handoff too: handing a tool's work to the cloud is still that tool's work.
    if (tool) requirePrivileges(ctx.actor, tool.privileges, `the ${tool.name} tool`);
    if (decision.handoff) {
      requirePrivileges(ctx.actor, ['spend'], 'handing work to a cloud brain');
      return this.handOff(decision, ctx, outcome.source);
    }
    if (decision.tool_name === CHAT_TOOL) return this.options.chat.answer(ctx, decision);
    if (!tool) return capabilitiesReply(this.options.tools, ctx.actor);
    // From a slash command, the rules or the model alike: code is checked before it runs.
    const executed = tool.executedText?.(decision.params);
    const notes = executed && this.options.rules ? this.options.rules.enforce('run', executed, ctx.task.id).notes : [];
    return withRuleNotes(await this.runTool(tool, decision, ctx), notes);
  }

  private async handOff(decision: RouteDecision, ctx: TaskContext, source: RouteSource): Promise<Reply> {
    if (!this.handoff) {
      return {
        text: 'This needs a cloud brain (heavy work the Pi cannot do well), but no cloud brain is set up. An admin can configure one (config `brains.default` or `DEFAULT_CLOUD_BRAIN`).',
      };
    }
    const request: HandoffRequest = {
      prompt: ctx.message.text,
      reason: decision.reason || 'routed to the cloud brain',
      ...(decision.tool_name !== CHAT_TOOL ? { toolName: decision.tool_name, params: decision.params } : {}),
    };
    const repo = repoOf(decision.params);
    if (repo) request.repo = repo;
    // Recorded for replay under the hash of the request, so a replay never starts a cloud run.
    const key = toolCallKey('handoff', request);
    try {
      const reply = await this.handoff(request, ctx);
      ctx.trace(RECORDED_HANDOFF, { data: { key, ...recordedReply({ reply }) } });
      return reply;
    } catch (error) {
      // The budget said no: the user hears why; a plan keeps the error, so its step counts as refused.
      const refusal = source === 'plan' ? undefined : budgetRefusalReply(error, ctx.task.id);
      if (refusal) {
        ctx.trace(RECORDED_HANDOFF, { data: { key, ...recordedReply({ reply: refusal }) } });
        return refusal;
      }
      // A shutdown lets go of a detached run (it goes on): only a real refusal or failure is its outcome.
      const letGo = ctx.signal.aborted || (isPieBrainError(error) && error.code === 'TASK_CANCELLED');
      if (!letGo) ctx.trace(RECORDED_HANDOFF, { data: { key, ...recordedReply({ error }) } });
      throw error;
    }
  }

  private async runTool(tool: Tool, decision: RouteDecision, ctx: TaskContext): Promise<Reply> {
    const { bus, toolLimit, logger } = this.options;
    const taskId = ctx.task.id;
    const toolCtx: ToolContext = {
      taskId,
      user: ctx.message.user,
      address: ctx.address,
      actor: ctx.actor,
      isAdmin: ctx.isAdmin,
      signal: ctx.signal,
      logger: logger.child({ tool: tool.name, taskId }),
      progress: (text) => ctx.progress({ text }),
    };
    const result = await toolLimit.run(async () => {
      ctx.signal.throwIfAborted();
      const started = performance.now();
      bus.emit('tool-started', { taskId, toolName: tool.name });
      let outcome: { result: ToolResult } | { error: unknown } = { error: undefined };
      try {
        const value = await tool.runLocal(decision.params, toolCtx);
        outcome = { result: value };
        return value;
      } catch (error) {
        const failure =
          isPieBrainError(error) || ctx.signal.aborted
            ? error
            : new PieBrainError('TOOL_FAILED', `The ${tool.name} tool failed: ${error instanceof Error ? error.message : String(error)}`, {
                cause: error,
                userMessage: `The ${tool.name} tool failed; the admins can find the details in the log.`,
              });
        outcome = { error: failure };
        throw failure;
      } finally {
        const durationMs = performance.now() - started;
        const ok = 'result' in outcome;
        // What the memory log keeps of the call: its output, or what the user was told and the error's code.
        const logged =
          'result' in outcome
            ? { output: outcome.result.text, ...(outcome.result.recall ? { recall: true } : {}) }
            : { output: describeForUser(outcome.error), code: isPieBrainError(outcome.error) ? outcome.error.code : 'INTERNAL' };
        bus.emit('tool-ended', { taskId, toolName: tool.name, durationMs, ok, params: decision.params, ...logged });
        // The step of the trace is also the tool's recording for replay: its params' hash, its params and its output.
        ctx.trace(`${RECORDED_TOOL_PREFIX}${tool.name}`, {
          durationMs: Math.round(durationMs),
          data: { ok, key: toolCallKey(tool.name, decision.params), params: recordParams(decision.params), ...recordedOutcome(outcome) },
        });
      }
    });
    return replyFromResult(result);
  }
}

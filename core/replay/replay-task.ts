import type { Outbox } from '../../storage/outbox.js';
import type { TaskEvent, TaskQueue, TaskRecord } from '../../storage/queue.js';
import type { AccessPolicy } from '../access.js';
import { CommandTable } from '../commands/command-table.js';
import type { Config, Paths } from '../config.js';
import type { InboundMessage, Reply } from '../contracts/messages.js';
import { addressOf, type TaskContext } from '../contracts/task.js';
import type { Tool } from '../contracts/tool.js';
import { Dispatcher } from '../engine/dispatch.js';
import { failureReply } from '../engine/engine.js';
import { EventBus } from '../engine/events.js';
import { createTaskHandler } from '../engine/pipeline.js';
import { ToolRegistry } from '../engine/tool-registry.js';
import type { Clock } from '../lib/clock.js';
import { Semaphore } from '../lib/semaphore.js';
import type { LlmProvider } from '../llm/provider.js';
import type { Logger } from '../logger.js';
import { ChatResponder } from '../router/chat.js';
import { createRouteHandler } from '../router/install.js';
import { ModelHealth } from '../router/model-health.js';
import { PrefsFile, prefsPath } from '../router/prefs.js';
import { RouteCache } from '../router/route-cache.js';
import { Router } from '../router/router.js';
import { RecordedOutputs, RecordedTool, type ReplayedToolCall } from './recorded-tools.js';
import type { RecordedRoute, Recording } from './recording.js';
import { type ReplayedModelCall, ReplayModel } from './replay-model.js';

export interface ReplayDeps {
  config: Config;
  /** Where today's user_prefs.md is (it leads every routing prompt). */
  paths: Paths;
  /** Today's tools: their names, descriptions, params and slash commands. None of them runs. */
  tools: readonly Tool[];
  /** Who the task's user is today (privileges come from today's config). */
  policy: AccessPolicy;
  /** Earlier turns of the thread, for chat (the data dir's queue and outbox, opened read-only). */
  history: { queue: TaskQueue; outbox: Outbox };
  clock: Clock;
  logger: Logger;
  /** `--live`: today's model answers instead of the recording. */
  live?: LlmProvider;
}

/** What the replay did: its route, the model calls and tool runs it asked for, and its reply. */
export interface ReplayRun {
  route: RecordedRoute | null;
  modelCalls: ReplayedModelCall[];
  toolCalls: ReplayedToolCall[];
  reply: Reply;
}

/** Why a task cannot be replayed at all (it never reached the router), or undefined when it can. */
export function notReplayable(recording: Recording): string | undefined {
  const { task, route } = recording;
  if (task.status === 'pending' || task.status === 'routing' || task.status === 'executing') {
    return `Task ${task.id} has not finished yet (${task.status}).`;
  }
  if (route && !route.params) return `Task ${task.id} ran before pie-brain recorded tasks for replay.`;
  if (route) return undefined;
  const what = task.command ? ` (/${task.command.name})` : '';
  return `Task ${task.id}${what} never reached the router: built-in commands, and requests refused or stopped before routing, leave nothing to replay.`;
}

function taskRecordOf(recording: Recording, message: InboundMessage): TaskRecord {
  const { task } = recording;
  return {
    id: task.id,
    requestText: task.text,
    status: 'executing',
    toolName: null,
    metadata: {},
    platform: task.platform,
    chatId: task.chatId,
    threadId: task.threadId ?? null,
    replyTo: null,
    userId: task.userId,
    userName: task.userName,
    platformMessageId: `replay-${task.id}`,
    message,
    attempts: 1,
    leaseUntil: null,
    leaseOwner: null,
    notBefore: 0,
    createdAt: task.createdAt,
    updatedAt: task.createdAt,
    error: null,
  };
}

/** The route cache as it was for this task: the decision it found, under the key it was found under. */
function cacheAsRecorded(recording: Recording, deps: ReplayDeps): RouteCache {
  const { config, clock } = deps;
  const cache = new RouteCache({
    clock,
    ttlMs: config.router.cacheTtlSeconds * 1000,
    maxEntries: Math.max(1, config.router.cacheMaxEntries),
  });
  const route = recording.route;
  if (deps.live || route?.source !== 'cache' || !route.cacheKey || !route.tool || !route.params || route.params.cutFrom) return cache;
  const params = JSON.parse(route.params.text) as Record<string, unknown>;
  cache.set(route.cacheKey, { tool_name: route.tool, params, handoff: route.handoff, reason: route.reason ?? '' });
  return cache;
}

/**
 * Run a recorded task again through today's router, dispatcher and chat, with the recording standing in for
 * the model (or today's model, live) and for every tool and cloud run: nothing is sent, written, run or paid.
 * Only tasks that reached the router are replayed; built-in commands read live state and are not recorded.
 */
export async function replayTask(recording: Recording, deps: ReplayDeps): Promise<ReplayRun> {
  const { config, clock, logger } = deps;
  const outputs = new RecordedOutputs(recording.toolCalls);
  const model = new ReplayModel(recording.modelCalls, deps.live);
  const commands = new CommandTable();
  const tools = new ToolRegistry(
    deps.tools.map((tool) => new RecordedTool(tool, outputs)),
    commands,
  );
  const bus = new EventBus((error) => logger.warn({ err: error }, 'a replay event listener failed'));
  const health = new ModelHealth({ clock, model: config.router.model });
  // The model was known to be down when the task ran (the rules decided without asking it): so it is now.
  if (!deps.live && recording.route?.source === 'fallback' && recording.route.llmCalls === 0) health.failed('down when the task ran');
  const router = new Router({
    tools,
    llm: model,
    prefs: new PrefsFile(prefsPath(deps.paths.brainDir)),
    cache: cacheAsRecorded(recording, deps),
    health,
    model: config.router.model,
    timeoutMs: config.router.timeoutSeconds * 1000,
    logger,
  });
  const chat = new ChatResponder({
    llm: model,
    prefix: () => router.currentPrefix(),
    queue: deps.history.queue,
    outbox: deps.history.outbox,
    model: config.router.model,
    historyTurns: config.router.historyTurns,
  });
  const dispatcher = new Dispatcher({
    tools,
    toolLimit: new Semaphore(1),
    bus,
    logger,
    chat,
    handoff: async (request) => outputs.handoff(request),
  });
  const route = createRouteHandler({ bus }, router, dispatcher);
  const handler = createTaskHandler({ commands, route: () => route });

  const { task } = recording;
  // /ask routes its text as a plain message: replay it that way (the built-in commands are not in this table).
  const asked = task.command?.name === 'ask';
  const message: InboundMessage = {
    id: `replay-${task.id}`,
    address: { platform: task.platform, chatId: task.chatId, ...(task.threadId ? { threadId: task.threadId } : {}) },
    user: { id: task.userId, name: task.userName },
    text: asked ? (task.command?.args ?? '') : task.text,
    receivedAt: task.createdAt,
    ...(task.command && !asked ? { command: task.command } : {}),
  };
  const record = taskRecordOf(recording, message);
  const actor = deps.policy.actor(task.platform, task.userId);
  const trace: TaskEvent[] = [];
  const ctx: TaskContext = {
    task: record,
    message,
    address: addressOf(record),
    actor,
    isAdmin: actor.isAdmin,
    signal: new AbortController().signal,
    advance: () => {},
    trace: (type, detail = {}) => trace.push({ taskId: task.id, at: clock.now(), type, ...detail }),
    progress: () => {},
    extendDeadline: () => {},
    refundAttempt: () => {},
    detached: (work) => work,
  };
  let reply: Reply;
  try {
    reply = await handler(ctx);
  } catch (error) {
    reply = failureReply(task.id, error);
  }
  const routed = trace.find((event) => event.type === 'routed')?.data as Record<string, unknown> | undefined;
  return {
    route: routed
      ? { ...(routed as RecordedRoute), reason: (routed.reason as string | null) ?? null, tool: (routed.tool as string | null) ?? null }
      : null,
    modelCalls: model.calls,
    toolCalls: outputs.calls,
    reply,
  };
}

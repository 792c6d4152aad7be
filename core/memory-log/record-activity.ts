import type { Outbox } from '../../storage/outbox.js';
import type { TaskQueue } from '../../storage/queue.js';
import type { Reply } from '../contracts/messages.js';
import type { EventBus } from '../engine/events.js';
import { formatDuration, formatTokens, formatUsd } from '../lib/format.js';
import type { LogEntry, MemoryLog } from './memory-log.js';

export interface RecordActivityDeps {
  bus: EventBus;
  log: MemoryLog;
  queue: Pick<TaskQueue, 'get'>;
  outbox: Pick<Outbox, 'forTask'>;
}

function paramsText(params: Record<string, unknown> | undefined): string {
  if (!params || Object.keys(params).length === 0) return '';
  return JSON.stringify(params);
}

/**
 * Feeds the memory event log from the event bus: each request, route decision, tool call (inputs and
 * outputs), reply, model call and cloud run (with its cost), and the admins' alerts. An event of a task
 * belongs to the user who sent it. Returns a function that stops recording.
 */
export function recordActivity(deps: RecordActivityDeps): () => void {
  const { bus, log, queue, outbox } = deps;
  // Tasks that only read memory back: their reply is not stored again (it repeats the log and the notes).
  const recalls = new Set<number>();

  const forTask = (taskId: number | null, entry: LogEntry): void => {
    const task = taskId === null ? undefined : queue.get(taskId);
    log.append({
      ...entry,
      taskId,
      ...(task ? { platform: task.platform, chatId: task.chatId, userId: task.userId } : {}),
    });
  };

  const stops = [
    bus.on('task-queued', ({ taskId }) => {
      const task = queue.get(taskId);
      if (!task) return;
      log.append({
        at: task.createdAt,
        kind: 'request',
        taskId,
        platform: task.platform,
        chatId: task.chatId,
        userId: task.userId,
        text: task.requestText,
        data: { userName: task.userName },
      });
    }),
    bus.on('task-routed', ({ taskId, toolName, handoff, reason, source, durationMs, params }) => {
      const why = reason ? `: ${reason}` : '';
      forTask(taskId, {
        kind: 'route',
        text: `${toolName} (${source})${why}`,
        data: { tool: toolName, handoff, reason, source, durationMs, params: params ?? {} },
      });
    }),
    bus.on('tool-ended', ({ taskId, toolName, durationMs, ok, params, output, code, recall }) => {
      if (recall) recalls.add(taskId);
      const result = recall ? `recalled ${output?.length ?? 0} characters from memory (not stored again)` : (output ?? '');
      forTask(taskId, {
        kind: 'tool',
        text: `${toolName} ${paramsText(params)} → ${ok ? '' : 'failed: '}${result}`,
        data: { tool: toolName, ok, durationMs: Math.round(durationMs), params: params ?? {}, output: result, ...(code ? { code } : {}) },
        ...(recall ? { recall: true } : {}),
      });
    }),
    bus.on('task-finished', ({ taskId, status, durationMs }) => {
      const recall = recalls.delete(taskId);
      const reply = outbox
        .forTask(taskId)
        .filter((row) => row.kind === 'reply')
        .at(-1);
      const text = (reply?.body as Reply | undefined)?.text ?? '';
      forTask(taskId, {
        kind: 'reply',
        text: recall ? `a memory look-up of ${text.length} characters (not stored again)` : text,
        data: { status, durationMs: Math.round(durationMs) },
        ...(recall ? { recall: true } : {}),
      });
    }),
    bus.on('llm-called', ({ taskId, provider, model, purpose, tokensIn, tokensOut, costUsd, latencyMs }) => {
      forTask(taskId, {
        kind: 'model-call',
        text: `${provider} ${model} · ${purpose} · ${formatTokens(tokensIn, tokensOut)} · ${formatUsd(costUsd)} · ${formatDuration(latencyMs)}`,
        data: { ok: true, provider, model, purpose, tokensIn, tokensOut, costUsd, latencyMs: Math.round(latencyMs) },
      });
    }),
    bus.on('llm-failed', ({ taskId, provider, model, purpose, code, latencyMs }) => {
      forTask(taskId, {
        kind: 'model-call',
        text: `${provider} ${model} · ${purpose} · failed (${code}) · ${formatDuration(latencyMs)}`,
        data: { ok: false, provider, model, purpose, code, latencyMs: Math.round(latencyMs) },
      });
    }),
    bus.on('brain-run-started', ({ taskId, runId, brain, resumed }) => {
      forTask(taskId, {
        kind: 'cloud-run',
        text: `${brain} ${resumed ? 'resumed' : 'started'} (run ${runId})`,
        data: { brain, runId, phase: 'started', resumed },
      });
    }),
    bus.on('brain-run-ended', ({ taskId, runId, brain, outcome, costUsd, durationMs }) => {
      forTask(taskId, {
        kind: 'cloud-run',
        text: `${brain} ended: ${outcome} · ${formatUsd(costUsd)} · ${formatDuration(durationMs)} (run ${runId})`,
        data: { brain, runId, phase: 'ended', outcome, costUsd, durationMs },
      });
    }),
    bus.on('alert-raised', ({ key, text, severity }) => {
      log.append({ kind: 'alert', text, data: { key, severity } });
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

import type { Ledger } from '../../storage/ledger.js';
import type { TaskEvent } from '../../storage/queue.js';
import { digestModelInputs, modelCallKey, recordText } from '../contracts/recording.js';
import type { EventBus } from '../engine/events.js';
import { isPieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { ChatRequest, ChatResponse } from './provider.js';

export interface LlmAccountingOptions {
  clock: Clock;
  bus?: EventBus;
  ledger?: Ledger;
  /** Where a task's trace goes (the queue's `record`). */
  trace?: (event: TaskEvent) => void;
}

/**
 * Records every LLM call the same way whatever the provider: an `llm-called` or `llm-failed` event, one
 * ledger row (local calls cost $0, but their tokens and latency count) and, for a task, a trace entry that
 * is also the call's recording for replay: the hash of its inputs, a digest of them, and its answer (cut).
 */
export class LlmAccounting {
  constructor(private readonly options: LlmAccountingOptions) {}

  called(provider: string, request: ChatRequest, response: ChatResponse): void {
    const { clock, bus, ledger, trace } = this.options;
    const taskId = request.taskId ?? null;
    const purpose = request.purpose ?? 'chat';
    const timings = {
      ...(response.usage.promptEvalMs !== undefined ? { promptEvalMs: response.usage.promptEvalMs } : {}),
      ...(response.usage.evalMs !== undefined ? { evalMs: response.usage.evalMs } : {}),
      ...(response.usage.loadMs !== undefined ? { loadMs: response.usage.loadMs } : {}),
    };
    bus?.emit('llm-called', {
      taskId,
      provider,
      model: response.model,
      purpose,
      tokensIn: response.usage.inputTokens,
      tokensOut: response.usage.outputTokens,
      costUsd: response.costUsd,
      latencyMs: response.latencyMs,
    });
    ledger?.record({
      taskId,
      kind: 'llm',
      provider,
      model: response.model,
      tokensIn: response.usage.inputTokens,
      tokensOut: response.usage.outputTokens,
      ...(response.usage.cacheReadTokens !== undefined ? { cacheReadTokens: response.usage.cacheReadTokens } : {}),
      ...(response.usage.cacheWriteTokens !== undefined ? { cacheWriteTokens: response.usage.cacheWriteTokens } : {}),
      costUsd: response.costUsd,
      estimated: response.usage.estimated ?? false,
      latencyMs: response.latencyMs,
      // The choice of a paid model and its justification stay with the call they explain.
      purpose: request.choice ? `${purpose}: ${request.choice.why}` : purpose,
      data: request.choice ? { ...timings, choice: request.choice.detail } : timings,
      createdAt: clock.now(),
    });
    if (taskId !== null && trace) {
      trace({
        taskId,
        at: clock.now(),
        type: `llm:${purpose}`,
        durationMs: Math.round(response.latencyMs),
        tokensIn: response.usage.inputTokens,
        tokensOut: response.usage.outputTokens,
        costUsd: response.costUsd,
        data: {
          provider,
          model: response.model,
          ...timings,
          key: modelCallKey(request),
          inputs: digestModelInputs(request),
          output: recordText(response.text),
          ...(request.choice ? { why: request.choice.why } : {}),
        },
      });
    }
  }

  failed(provider: string, model: string, request: ChatRequest, error: unknown, latencyMs: number): void {
    const { clock, bus, trace } = this.options;
    const taskId = request.taskId ?? null;
    const purpose = request.purpose ?? 'chat';
    const code = isPieBrainError(error) ? error.code : 'INTERNAL';
    bus?.emit('llm-failed', { taskId, provider, model, purpose, code, latencyMs });
    if (taskId !== null && trace) {
      trace({
        taskId,
        at: clock.now(),
        type: `llm-failed:${purpose}`,
        durationMs: Math.round(latencyMs),
        data: { provider, model, code, key: modelCallKey(request), inputs: digestModelInputs(request) },
      });
    }
  }
}

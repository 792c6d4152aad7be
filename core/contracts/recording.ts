import { canonicalJson, stableHash } from '../lib/stable-hash.js';

/**
 * What a task's trace records so the task can be replayed: every model call and every tool output, each under
 * a stable hash of its inputs (sorted keys). The recorder (model accounting, the dispatcher) and the replayer
 * compute keys with these functions, so a key recorded today is found by a replay tomorrow if, and only if,
 * the inputs are the same.
 */

/** Per call, at most this many characters of an output or of params are stored; the rest is cut and marked. */
export const RECORDED_OUTPUT_CHARS = 8000;
export const RECORDED_PARAMS_CHARS = 2000;
/** Links, files and images of one tool result kept in its recording. */
export const RECORDED_LIST_ITEMS = 50;

/** Text as stored: cut to `max` characters, with the full length when it was cut. */
export interface RecordedText {
  text: string;
  /** Length of the whole text, set only when it was cut. */
  cutFrom?: number;
}

export function recordText(text: string, max = RECORDED_OUTPUT_CHARS): RecordedText {
  return text.length > max ? { text: text.slice(0, max), cutFrom: text.length } : { text };
}

/** The parts of a model request that shape its answer (task ids, purposes, signals and timeouts do not). */
export interface ModelCallInputs {
  model?: string | undefined;
  messages: ReadonlyArray<{ role: string; content: string }>;
  format?: Record<string, unknown> | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  contextTokens?: number | undefined;
}

/** The stable hash a model call is recorded under. */
export function modelCallKey(request: ModelCallInputs): string {
  return stableHash({
    model: request.model ?? null,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    format: request.format ?? null,
    temperature: request.temperature ?? null,
    maxTokens: request.maxTokens ?? null,
    contextTokens: request.contextTokens ?? null,
  });
}

/**
 * A model call's inputs in a few dozen bytes per message (a hash and a length each, never the text): enough for
 * a replay to say which part of a prompt changed, without storing every prompt on the SD card.
 */
export interface ModelInputsDigest {
  model: string | null;
  settings: string;
  messages: Array<{ role: string; chars: number; hash: string }>;
}

export function digestModelInputs(request: ModelCallInputs): ModelInputsDigest {
  return {
    model: request.model ?? null,
    settings: stableHash({
      format: request.format ?? null,
      temperature: request.temperature ?? null,
      maxTokens: request.maxTokens ?? null,
      contextTokens: request.contextTokens ?? null,
    }).slice(0, 12),
    messages: request.messages.map((message) => ({
      role: message.role,
      chars: message.content.length,
      hash: stableHash(message.content).slice(0, 12),
    })),
  };
}

/** The stable hash a tool run is recorded under: the tool and its params. */
export function toolCallKey(tool: string, params: unknown): string {
  return stableHash({ tool, params: params ?? null });
}

/** Params as stored: their canonical JSON, cut past RECORDED_PARAMS_CHARS. */
export function recordParams(params: unknown): RecordedText {
  return recordText(canonicalJson(params ?? {}), RECORDED_PARAMS_CHARS);
}

/** The trace event types that carry recordings. */
export const RECORDED_TOOL_PREFIX = 'tool:';
export const RECORDED_HANDOFF = 'handoff:result';

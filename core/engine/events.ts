import type { RuleHit } from '../contracts/rule-gate.js';

/**
 * The typed event bus. Event names are noun-verb. Modules add their own events by merging into
 * `EventMap` (declare module '.../core/engine/events.js' { interface EventMap { ... } }).
 * Listeners are called synchronously; a throwing listener is reported, never propagated to the emitter.
 */
export interface EventMap {
  'task-queued': { taskId: number; platform: string };
  'task-claimed': { taskId: number; attempt: number };
  'task-routed': {
    taskId: number;
    toolName: string;
    handoff: boolean;
    reason: string;
    source: string;
    durationMs: number;
    /** The tool's params as decided. */
    params?: Record<string, unknown>;
  };
  'tool-started': { taskId: number; toolName: string };
  'tool-ended': {
    taskId: number;
    toolName: string;
    durationMs: number;
    ok: boolean;
    params?: Record<string, unknown>;
    /** The result's text, or what the user was told when it failed. */
    output?: string;
    code?: string;
    /** The result only repeats what memory holds (ToolResult.recall). */
    recall?: boolean;
  };
  'task-finished': { taskId: number; status: 'done' | 'failed' | 'dead' | 'cancelled'; durationMs: number };
  'task-retried': { taskId: number; attempt: number; code: string; delayMs: number };
  'reply-sent': { outboxId: number; taskId: number | null; platform: string; messageId: string; attempt: number; latencyMs: number };
  'reply-failed': { outboxId: number; taskId: number | null; platform: string; attempt: number; code: string; willRetry: boolean };
  'reply-resent-after-crash': { outboxId: number; taskId: number | null };
  'llm-called': {
    taskId: number | null;
    provider: string;
    model: string;
    purpose: string;
    tokensIn: number;
    tokensOut: number;
    costUsd: number;
    latencyMs: number;
  };
  'llm-failed': { taskId: number | null; provider: string; model: string; purpose: string; code: string; latencyMs: number };
  'intake-refused': { platform: string; userId: string; reason: string };
  'alert-raised': { key: string; text: string; severity: 'info' | 'warning' | 'critical' };
  /** A rule pack matched a text (never the text itself: it may be a secret). */
  'rule-hit': RuleHit & { taskId: number | null };
}

export type EventName = keyof EventMap;
type Listener<K extends EventName> = (payload: EventMap[K]) => void;

export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly anyListeners = new Set<(name: EventName, payload: unknown) => void>();

  constructor(private readonly onListenerError: (error: unknown, name: EventName) => void = () => {}) {}

  on<K extends EventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  /** Listen to every event (the trace and metrics use this). */
  onAny(listener: (name: EventName, payload: unknown) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<K extends EventName>(name: K, payload: EventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) this.call(() => listener(payload), name);
    for (const listener of this.anyListeners) this.call(() => listener(name, payload), name);
  }

  /** Resolves with the payload of the next matching event. */
  once<K extends EventName>(name: K, match: (payload: EventMap[K]) => boolean = () => true): Promise<EventMap[K]> {
    return new Promise((resolve) => {
      const off = this.on(name, (payload) => {
        if (!match(payload)) return;
        off();
        resolve(payload);
      });
    });
  }

  private call(fn: () => void, name: EventName): void {
    try {
      fn();
    } catch (error) {
      this.onListenerError(error, name);
    }
  }
}

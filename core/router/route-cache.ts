import type { RouteDecision } from '../contracts/route-decision.js';
import type { Clock } from '../lib/clock.js';
import { stableHash } from './stable-hash.js';

/** What a cached decision depends on: change any of them and the old decision no longer applies. */
export interface RouteCacheKeyParts {
  request: string;
  prefsHash: string;
  catalogHash: string;
  model: string;
}

/**
 * Requests that differ only in ways that cannot change the decision share a key. Case and inner spacing are
 * kept on purpose: params are copied from the request (code, titles), so those differences can matter.
 */
export function normalizeRequest(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trim();
}

export function routeCacheKey(parts: RouteCacheKeyParts): string {
  return stableHash({ ...parts, request: normalizeRequest(parts.request) });
}

export interface RouteCacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * Model decisions kept in memory, least recently used evicted past `maxEntries`, each for `ttlMs`.
 * In memory on purpose: a lookup costs microseconds, it writes nothing to the SD card, and losing it on a
 * restart costs one model call per distinct request.
 */
export class RouteCache {
  private readonly entries = new Map<string, { decision: RouteDecision; expiresAt: number }>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly options: { clock: Clock; ttlMs: number; maxEntries: number }) {}

  get(key: string): RouteDecision | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.options.clock.now()) {
      if (entry) this.entries.delete(key);
      this.misses += 1;
      return undefined;
    }
    // Re-insert to mark it most recently used (a Map iterates in insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits += 1;
    return structuredClone(entry.decision);
  }

  set(key: string, decision: RouteDecision): void {
    if (this.options.maxEntries <= 0 || this.options.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { decision: structuredClone(decision), expiresAt: this.options.clock.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  stats(): RouteCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}

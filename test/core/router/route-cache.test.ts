import { describe, expect, it } from 'vitest';
import { normalizeRequest, RouteCache, routeCacheKey } from '../../../core/router/route-cache.js';
import { canonicalJson, stableHash } from '../../../core/router/stable-hash.js';
import { FakeClock } from '../../fakes/clock.js';

const decision = (reason: string) => ({ tool_name: 'chat', params: {}, handoff: false, reason });
const parts = { request: 'hello', prefsHash: 'p', catalogHash: 'c', model: 'm' };

describe('route cache', () => {
  it('hashes canonical JSON, so key order never matters', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"e":2,"f":1}]},"b":1}');
    expect(stableHash({ a: 1, b: 2 })).toBe(stableHash({ b: 2, a: 1 }));
  });

  it('keys on the normalized request, the prefs, the catalog and the model', () => {
    const key = routeCacheKey(parts);
    expect(routeCacheKey({ ...parts, request: ' hello \r\n' })).toBe(key);
    expect(normalizeRequest('Run:\r\n  print(1)  \n')).toBe('Run:\n  print(1)');
    for (const change of [{ request: 'Hello' }, { prefsHash: 'q' }, { catalogHash: 'd' }, { model: 'n' }]) {
      expect(routeCacheKey({ ...parts, ...change })).not.toBe(key);
    }
  });

  it('counts hits and misses, expires entries after the TTL, and evicts the least recently used past the cap', async () => {
    const clock = new FakeClock();
    const cache = new RouteCache({ clock, ttlMs: 1000, maxEntries: 2 });
    cache.set('a', decision('a'));
    cache.set('b', decision('b'));
    expect(cache.get('a')?.reason).toBe('a');
    cache.set('c', decision('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.reason).toBe('a');
    await clock.advance(1001);
    expect(cache.get('c')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 2, misses: 2, size: 1 });
  });

  it('hands out copies, and stores nothing when turned off', () => {
    const clock = new FakeClock();
    const cache = new RouteCache({ clock, ttlMs: 1000, maxEntries: 5 });
    cache.set('a', decision('a'));
    const got = cache.get('a');
    if (got) got.reason = 'changed';
    expect(cache.get('a')?.reason).toBe('a');
    const off = new RouteCache({ clock, ttlMs: 1000, maxEntries: 0 });
    off.set('a', decision('a'));
    expect(off.stats().size).toBe(0);
  });
});

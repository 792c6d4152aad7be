import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../core/lib/bounded-map.js';

describe('BoundedMap', () => {
  it('keeps the most recently set entries up to its size, whatever a flood of new keys does', () => {
    const map = new BoundedMap<string, number>(3);
    for (let i = 0; i < 10_000; i += 1) map.set(`stranger-${i}`, i);
    expect([...map.keys()]).toEqual(['stranger-9997', 'stranger-9998', 'stranger-9999']);
    map.set('stranger-9997', 1);
    map.set('owner', 2);
    expect([...map.keys()]).toEqual(['stranger-9999', 'stranger-9997', 'owner']);
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});

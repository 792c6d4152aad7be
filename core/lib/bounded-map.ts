/**
 * A Map that keeps at most `max` entries, forgetting the least recently set: caches keyed by something a
 * stranger can vary (a user id, a channel) must not grow with a flood of new keys.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Expected a positive integer size, got ${max}`);
  }

  override set(key: K, value: V): this {
    if (this.has(key)) super.delete(key);
    super.set(key, value);
    if (this.size > this.max) super.delete(this.keys().next().value as K);
    return this;
  }
}

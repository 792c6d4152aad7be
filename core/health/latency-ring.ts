/** The last `size` latencies in a fixed array: memory stays flat however long pie-brain runs. */
export class LatencyRing {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly size = 200) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Expected a ring size >= 1, got ${size}`);
    this.values = new Float64Array(size);
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.size;
    this.filled = Math.min(this.filled + 1, this.size);
  }

  get count(): number {
    return this.filled;
  }

  /** Nearest-rank percentile (0 < p <= 100) of what the ring holds; null when empty. */
  percentile(p: number): number | null {
    if (this.filled === 0) return null;
    const sorted = Array.from(this.values.subarray(0, this.filled)).sort((a, b) => a - b);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1] ?? null;
  }

  toArray(): number[] {
    if (this.filled < this.size) return Array.from(this.values.subarray(0, this.filled));
    return [...this.values.subarray(this.next), ...this.values.subarray(0, this.next)];
  }
}

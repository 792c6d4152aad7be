/** Scripted latency for the fakes: waits that `cancelAll` drops at teardown, so no timer outlives a fake. */
export class Delays {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * Long polls waiting in memory for work, instead of spinning on the table. Each is woken (and re-tries its claim)
 * whenever an item becomes available, or gives up when its own wait runs out.
 */
export class LongPollWaiters {
  private readonly waiters = new Set<() => void>();

  /** Resolves when work may have arrived, or after `ms`, whichever is first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  wakeAll() {
    for (const wake of [...this.waiters]) wake();
  }
}

/**
 * Exclusive locks on named resources (an object's active image, a vm) inside one process.
 * Several keys are taken in sorted order, so two tasks can never wait on each other.
 */
export class LockSet {
  private readonly queues = new Map<string, (() => void)[]>();

  /** Resolves when every key is held; the returned function releases them all. */
  async acquire(keys: readonly string[]): Promise<() => void> {
    const sorted = [...new Set(keys)].sort();
    for (const key of sorted) await this.take(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of sorted) this.give(key);
    };
  }

  private take(key: string): Promise<void> {
    const queue = this.queues.get(key);
    if (queue === undefined) {
      this.queues.set(key, []);
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }

  private give(key: string): void {
    const queue = this.queues.get(key);
    const next = queue?.shift();
    if (next !== undefined) next();
    else this.queues.delete(key);
  }
}

/**
 * Exclusive in-process locks on named resources (`image:<path>`, `pool:<dir>`, `vm:<id>`), so
 * that two state operations never interleave on one image, pool or vm. Keys are taken in
 * sorted order, so two holders of overlapping key sets cannot wait on each other. Across
 * processes the same keys are lock files (`LockFiles`, taken after these): those are re-entrant
 * within a process, so exclusion between tasks of one process is this class's job alone.
 */
export class StateLocks {
  /** The locks every operation uses unless its context brings its own. */
  static readonly shared = new StateLocks();

  readonly #queues = new Map<string, (() => void)[]>();

  /** Resolves when every key is held; the returned function releases them (once). */
  async acquire(keys: readonly string[]): Promise<() => void> {
    const sorted = [...new Set(keys)].sort();
    const held: string[] = [];
    for (const key of sorted) {
      await this.#take(key);
      held.push(key);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of held) this.#give(key);
    };
  }

  /** Runs `fn` while holding `keys`. */
  async with<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(keys);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Whether a key is held now (for tests and diagnostics). */
  isHeld(key: string): boolean {
    return this.#queues.has(key);
  }

  #take(key: string): Promise<void> {
    const queue = this.#queues.get(key);
    if (queue === undefined) {
      this.#queues.set(key, []);
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }

  #give(key: string): void {
    const queue = this.#queues.get(key);
    const next = queue?.shift();
    if (next !== undefined) next();
    else this.#queues.delete(key);
  }
}

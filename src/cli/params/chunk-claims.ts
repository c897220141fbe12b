/**
 * Which thread expands which chunk of a shared expansion (see write-dicts.ts), in memory all
 * threads see. Every thread walks the chunks in the same order and claims each one it gets to
 * first, so a thread that is ahead takes more: a worker still warming up takes few, and the
 * main thread, which also writes everything, takes what the workers leave. The same memory
 * tells workers where the writer is and the writer when a worker has sent something.
 */

const WRITTEN = 0;
const SENT = 1;
const CLAIMS = 2;

export class ChunkClaims {
  /**
   * [WRITTEN]: the chunk the writer is at; [SENT]: messages the workers have sent;
   * [CLAIMS + c]: 1 + the thread that claimed chunk c, or 0.
   */
  private readonly cells: Int32Array;

  /**
   * `chunks`: at most how many chunks the walk enters; `window`: how far ahead of the writer
   * a worker may claim (what it has expanded waits in memory until the writer gets to it).
   */
  constructor(
    chunks: number,
    readonly window: number,
    /** Tests: chunk c goes to thread c % fixed instead of to the first comer. */
    readonly fixed?: number,
    memory: SharedArrayBuffer = new SharedArrayBuffer(4 * (CLAIMS + chunks)),
  ) {
    this.cells = new Int32Array(memory);
  }

  get memory(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  /** The writer is at chunk `at`; wakes workers waiting for it to move on. */
  publish(at: number): void {
    Atomics.store(this.cells, WRITTEN, at);
    Atomics.notify(this.cells, WRITTEN);
  }

  /** A worker has posted a message. */
  sent(): void {
    Atomics.add(this.cells, SENT, 1);
    Atomics.notify(this.cells, SENT);
  }

  /** How many messages the workers have posted so far. */
  get sentCount(): number {
    return Atomics.load(this.cells, SENT);
  }

  /** Blocks until a worker posts after `seen` messages, or the time is up. */
  waitForSent(seen: number, timeoutMs: number): void {
    Atomics.wait(this.cells, SENT, seen, timeoutMs);
  }

  /** Claims chunk c for the main thread unless a worker has it. */
  claimForWriter(c: number): boolean {
    return this.cas(c, 0);
  }

  /**
   * Claims chunk c for worker `thread` unless another thread has it or the writer has passed
   * it; waits while c is more than the window ahead of the writer (calling `beforeWait`
   * first, so that the worker can send what the writer will need to move on).
   */
  claimForWorker(c: number, thread: number, beforeWait: () => void): boolean {
    for (;;) {
      const written = this.written;
      if (c < written) return false;
      if (c <= written + this.window) return this.cas(c, thread);
      beforeWait();
      Atomics.wait(this.cells, WRITTEN, written);
    }
  }

  /** The chunk the writer is at (every chunk before it is written). */
  get written(): number {
    return Atomics.load(this.cells, WRITTEN);
  }

  /** The thread that claimed chunk c. */
  owner(c: number): number {
    if (this.fixed !== undefined) return c % this.fixed;
    const seen = Atomics.load(this.cells, CLAIMS + c);
    if (seen === 0) throw new Error(`chunk ${c} was never claimed`);
    return seen - 1;
  }

  /** Wakes workers waiting for the writer, so they can see that it has stopped. */
  release(): void {
    this.publish(0x7fffffff);
  }

  private cas(c: number, thread: number): boolean {
    if (CLAIMS + c >= this.cells.length) throw new Error(`chunk ${c} is past the ones counted`);
    if (this.fixed !== undefined && c % this.fixed !== thread) return false;
    return Atomics.compareExchange(this.cells, CLAIMS + c, 0, 1 + thread) === 0;
  }
}

/**
 * Runs tasks that depend on each other: independent ones at once (up to `jobs`, with
 * p-limit), never two that share a resource, dependants of a failure `blocked`, retries,
 * `failFast`, cancellation. Outcomes are data; the work itself is the executor's.
 */
import pLimit from 'p-limit';
import { StateLocks } from '../states/index.js';

export interface ScheduledTask {
  readonly id: string;
  /** Tasks that must pass first. */
  readonly deps: readonly string[];
  /** Resources the task uses exclusively (lock keys). */
  readonly resources: readonly string[];
  /** Attempts before the task counts as failed. @default 1 */
  readonly maxTries?: number;
  /** Guest RAM (MiB) of the vms the task runs, counted against `maxMemoryMiB`. @default 0 */
  readonly memoryMiB?: number;
}

export type TaskStatus = 'passed' | 'failed' | 'blocked' | 'skipped';

export interface TaskResult {
  readonly id: string;
  readonly status: TaskStatus;
  readonly attempts: number;
  readonly durationMs: number;
  /** Why it failed, was blocked or skipped. */
  readonly error?: unknown;
  readonly reason?: string;
  /** A passed task whose work was found done already (by whom, why). */
  readonly alreadyDone?: string;
}

export type SchedulerEvent =
  | { readonly type: 'task-waiting'; readonly id: string; readonly resources: readonly string[] }
  | {
      readonly type: 'task-waiting-memory';
      readonly id: string;
      readonly memoryMiB: number;
      readonly inUseMiB: number;
    }
  | { readonly type: 'task-start'; readonly id: string; readonly attempt: number }
  | {
      readonly type: 'task-retry';
      readonly id: string;
      readonly attempt: number;
      readonly error: unknown;
    }
  | { readonly type: 'task-end'; readonly result: TaskResult };

/**
 * Does one task's work; throwing (or rejecting) means the attempt failed. It resolves with a
 * reason when it found the work done already (another process did it meanwhile).
 */
export type TaskExecutor = (
  task: ScheduledTask,
  attempt: number,
  signal: AbortSignal,
) => Promise<string | undefined>;

export interface ScheduleOptions {
  /** Tasks running at once. @default 1 */
  jobs?: number;
  /** Start nothing new after the first failure. @default false */
  failFast?: boolean;
  /** Stops running tasks and everything not yet started. */
  signal?: AbortSignal;
  /**
   * The guest RAM the running tasks' vms may take together (MiB): a task waits until its vms
   * fit instead of making the host swap. A task bigger than the budget runs alone.
   * @default no limit
   */
  maxMemoryMiB?: number;
  onEvent?: (event: SchedulerEvent) => void;
}

export async function runSchedule(
  tasks: readonly ScheduledTask[],
  execute: TaskExecutor,
  options: ScheduleOptions = {},
): Promise<Map<string, TaskResult>> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const t of tasks) {
    for (const d of t.deps) {
      if (!byId.has(d)) throw new Error(`task ${t.id} depends on unknown task ${d}`);
    }
  }
  const limit = pLimit(Math.max(1, options.jobs ?? 1));
  // Its own lock table: nodes hold their objects for their whole run, while the state
  // operations inside a node take the shared table's finer locks.
  const locks = new StateLocks();
  const memory = new MemoryBudget(options.maxMemoryMiB ?? Number.POSITIVE_INFINITY);
  const emit = options.onEvent ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  // A function, so that the compiler does not assume the flag stays what it was.
  const aborted = (): boolean => signal.aborted;
  let failed = false;
  const results = new Map<string, Promise<TaskResult>>();

  const finish = (result: TaskResult): TaskResult => {
    emit({ type: 'task-end', result });
    return result;
  };

  const start = (task: ScheduledTask): Promise<TaskResult> => {
    const known = results.get(task.id);
    if (known !== undefined) return known;
    const promise = (async (): Promise<TaskResult> => {
      // Dependencies are awaited outside the concurrency limit: waiting holds no slot.
      const deps = await Promise.all(task.deps.map((d) => start(byId.get(d) as ScheduledTask)));
      const bad = deps.find((d) => d.status !== 'passed');
      if (bad !== undefined) {
        return finish({
          id: task.id,
          status: 'blocked',
          attempts: 0,
          durationMs: 0,
          reason: `${bad.id} ${bad.status}`,
        });
      }
      const skipped = (reason: string): TaskResult =>
        finish({ id: task.id, status: 'skipped', attempts: 0, durationMs: 0, reason });
      if (aborted()) return skipped('cancelled');
      if (failed && options.failFast === true) return skipped('fail-fast after an earlier failure');
      emit({ type: 'task-waiting', id: task.id, resources: task.resources });
      const release = await locks.acquire(task.resources);
      const need = task.memoryMiB ?? 0;
      if (!memory.fits(need)) {
        emit({ type: 'task-waiting-memory', id: task.id, memoryMiB: need, inUseMiB: memory.used });
      }
      const releaseMemory = await memory.acquire(need);
      try {
        return await limit(async () => {
          if (aborted()) return skipped('cancelled');
          if (failed && options.failFast === true)
            return skipped('fail-fast after an earlier failure');
          const began = Date.now();
          const tries = Math.max(1, task.maxTries ?? 1);
          let error: unknown;
          let attempts = 0;
          for (let attempt = 1; attempt <= tries; attempt++) {
            attempts = attempt;
            emit({ type: 'task-start', id: task.id, attempt });
            try {
              const alreadyDone = await execute(task, attempt, signal);
              return finish({
                id: task.id,
                status: 'passed',
                attempts: attempt,
                durationMs: Date.now() - began,
                ...(alreadyDone === undefined ? {} : { alreadyDone }),
              });
            } catch (e) {
              error = e;
              if (aborted()) break;
              if (attempt < tries) emit({ type: 'task-retry', id: task.id, attempt, error: e });
            }
          }
          failed = true;
          return finish({
            id: task.id,
            status: 'failed',
            attempts,
            durationMs: Date.now() - began,
            error,
          });
        });
      } finally {
        releaseMemory();
        release();
      }
    })();
    results.set(task.id, promise);
    return promise;
  };

  const all = await Promise.all(tasks.map(start));
  return new Map(all.map((r) => [r.id, r]));
}

/**
 * A budget of guest RAM: `acquire(n)` resolves when `n` more fits, in the order asked (so a
 * big task is not starved by small ones), or at once for a task bigger than the whole budget
 * when nothing else holds any (it runs alone rather than never).
 */
class MemoryBudget {
  used = 0;
  readonly #waiting: { need: number; go: () => void }[] = [];

  constructor(private readonly max: number) {}

  fits(need: number): boolean {
    return need === 0 || (this.#waiting.length === 0 && this.#admits(need));
  }

  #admits(need: number): boolean {
    return this.used + need <= this.max || this.used === 0;
  }

  async acquire(need: number): Promise<() => void> {
    if (need > 0) {
      if (this.fits(need)) this.used += need;
      // Woken with its share reserved already (see #wake).
      else await new Promise<void>((go) => this.#waiting.push({ need, go }));
    }
    let released = false;
    return () => {
      if (released || need === 0) return;
      released = true;
      this.used -= need;
      this.#wake();
    };
  }

  #wake(): void {
    for (let next = this.#waiting[0]; next !== undefined && this.#admits(next.need);) {
      this.#waiting.shift();
      this.used += next.need;
      next.go();
      next = this.#waiting[0];
    }
  }
}

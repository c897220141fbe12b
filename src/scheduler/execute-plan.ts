/**
 * Applies a plan: the steps to run become scheduled tasks (a step waits for the producers of
 * the states it gets, when those run too), reused steps are reported as such, and every
 * outcome becomes a node result. The work on a node is the `NodeWork`'s (today the local
 * executor; later possibly remote workers), so this file knows nothing of QEMU.
 */
import {
  type BoundNode,
  type NodeGraph,
  type Plan,
  type PlanStep,
  stateRefKey,
} from '../graph/index.js';
import { type NodeResult, type RunEvent, type RunReport, summarize } from './run-report.js';
import { runSchedule, type ScheduledTask, type TaskResult } from './run-schedule.js';

export interface NodeWork {
  /** Exclusive resources of a node (its objects' active images, its vms). */
  resources(node: BoundNode): readonly string[];
  /**
   * Runs one attempt of a node; throws when it fails. Resolves with a reason instead when the
   * node's states turned out to be there already (another run made them meanwhile).
   */
  run(
    node: BoundNode,
    attempt: number,
    signal: AbortSignal,
    step: (what: string) => void,
  ): Promise<string | undefined>;
  /** Where the node's output goes. */
  logFile(node: BoundNode): string | null;
  /** Guest RAM (MiB) of the vms the node runs, for the memory budget. @default 0 */
  memoryMiB?(node: BoundNode): number;
}

export interface ExecuteOptions {
  /** Nodes at once. @default 1 */
  jobs?: number;
  /** Guest RAM (MiB) the running nodes' vms may take together. @default no limit */
  maxMemoryMiB?: number;
  failFast?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

export async function executePlan(
  graph: NodeGraph,
  plan: Plan,
  work: NodeWork,
  options: ExecuteOptions = {},
): Promise<RunReport> {
  const emit = options.onEvent ?? (() => undefined);
  const running = new Set(plan.steps.filter((s) => s.action === 'run').map((s) => s.node));
  const node = (id: string): BoundNode => graph.nodes.get(id) as BoundNode;
  emit({ type: 'run-start', nodes: plan.steps.map((s) => s.node), toRun: running.size });

  const tasks: ScheduledTask[] = plan.steps
    .filter((s) => s.action === 'run')
    .map((s) => {
      const n = node(s.node);
      const deps = new Set<string>();
      for (const g of n.gets) {
        const p = n.producers.get(stateRefKey(g));
        if (p !== undefined && running.has(p)) deps.add(p);
      }
      const tries = s.kind === 'test' ? n.variant.params.getNumeric('max_tries', 1) : 1;
      return {
        id: s.node,
        deps: [...deps],
        resources: work.resources(n),
        maxTries: Math.max(1, tries),
        memoryMiB: work.memoryMiB?.(n) ?? 0,
      };
    });

  const results = new Map<string, NodeResult>();
  const toResult = (step: PlanStep, r: TaskResult): NodeResult => {
    const n = node(step.node);
    const error = r.error === undefined ? undefined : errorText(r.error);
    const reason = error ?? r.reason ?? r.alreadyDone;
    return {
      ...describe(n),
      status: r.alreadyDone === undefined ? r.status : 'reused',
      duration_ms: r.durationMs,
      attempts: r.attempts,
      log: r.attempts > 0 ? work.logFile(n) : null,
      ...(reason === undefined ? {} : { reason }),
    };
  };
  const stepOf = new Map(plan.steps.map((s) => [s.node, s]));

  for (const s of plan.steps) {
    if (s.action !== 'reuse') continue;
    const result: NodeResult = {
      ...describe(node(s.node)),
      status: 'reused',
      duration_ms: 0,
      attempts: 0,
      log: null,
      reason: s.reason,
    };
    results.set(s.node, result);
    emit({ type: 'node-end', result });
  }

  await runSchedule(
    tasks,
    (task, attempt, signal) =>
      work.run(node(task.id), attempt, signal, (what) => {
        emit({ type: 'node-step', node: task.id, step: what });
      }),
    {
      jobs: options.jobs ?? 1,
      ...(options.maxMemoryMiB === undefined ? {} : { maxMemoryMiB: options.maxMemoryMiB }),
      ...(options.failFast === undefined ? {} : { failFast: options.failFast }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onEvent: (e) => {
        switch (e.type) {
          case 'task-waiting':
            emit({ type: 'node-waiting', node: e.id });
            break;
          case 'task-waiting-memory':
            emit({
              type: 'node-waiting-memory',
              node: e.id,
              memoryMiB: e.memoryMiB,
              inUseMiB: e.inUseMiB,
            });
            break;
          case 'task-start':
            emit({ type: 'node-start', node: e.id, attempt: e.attempt });
            break;
          case 'task-retry':
            emit({
              type: 'node-retry',
              node: e.id,
              attempt: e.attempt,
              error: errorText(e.error),
            });
            break;
          case 'task-end': {
            const result = toResult(stepOf.get(e.result.id) as PlanStep, e.result);
            results.set(e.result.id, result);
            emit({ type: 'node-end', result });
            break;
          }
        }
      },
    },
  );

  const nodes = plan.steps.map((s) => results.get(s.node)).filter((r) => r !== undefined);
  const report: RunReport = { nodes, summary: summarize(nodes) };
  emit({ type: 'run-end', report });
  return report;
}

function describe(n: BoundNode): Pick<NodeResult, 'name' | 'objects' | 'get' | 'set'> {
  const ref = (s: { state: string; objectId: string }): string => `${s.state}@${s.objectId}`;
  return {
    name: n.id,
    objects: n.vms.map((v) => v.id),
    get: n.gets.map(ref),
    set: n.sets.map(ref),
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
}

/** What a run reports while it goes; reporters (TTY, plain lines, files) subscribe. */
export type RunEvent =
  | { readonly type: 'run-start'; readonly nodes: readonly string[]; readonly toRun: number }
  | { readonly type: 'node-waiting'; readonly node: string }
  /** The node waits until the guest RAM of its vms fits the memory budget (`--max-memory`). */
  | {
      readonly type: 'node-waiting-memory';
      readonly node: string;
      readonly memoryMiB: number;
      readonly inUseMiB: number;
    }
  | { readonly type: 'node-start'; readonly node: string; readonly attempt: number }
  | { readonly type: 'node-step'; readonly node: string; readonly step: string }
  | {
      readonly type: 'node-retry';
      readonly node: string;
      readonly attempt: number;
      readonly error: string;
    }
  | { readonly type: 'node-end'; readonly result: NodeResult }
  | { readonly type: 'run-end'; readonly report: RunReport };

/** The outcome of a run, as data: what the JSON report and JUnit file are made of. */
export type NodeStatus = 'passed' | 'failed' | 'blocked' | 'reused' | 'skipped';

export const NODE_STATUSES: readonly NodeStatus[] = [
  'passed',
  'failed',
  'blocked',
  'reused',
  'skipped',
];

export interface NodeResult {
  readonly name: string;
  /** Ids of the object variants the node used. */
  readonly objects: readonly string[];
  readonly status: NodeStatus;
  readonly duration_ms: number;
  readonly attempts: number;
  /** States it got and set, as `state@object`. */
  readonly get: readonly string[];
  readonly set: readonly string[];
  /** Path of the node's log file, when it ran. */
  readonly log: string | null;
  /** Why it failed, was blocked, skipped or reused. */
  readonly reason?: string;
}

export interface RunReport {
  readonly nodes: readonly NodeResult[];
  readonly summary: Readonly<Record<NodeStatus, number>>;
}

export function summarize(nodes: readonly NodeResult[]): Record<NodeStatus, number> {
  const summary = { passed: 0, failed: 0, blocked: 0, reused: 0, skipped: 0 };
  for (const n of nodes) summary[n.status]++;
  return summary;
}

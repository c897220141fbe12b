import type { NodeResult, RunReport } from './run-report.js';

/** What a run reports while it goes; reporters (TTY, plain lines, files) subscribe. */
export type RunEvent =
  | { readonly type: 'run-start'; readonly nodes: readonly string[]; readonly toRun: number }
  | { readonly type: 'node-waiting'; readonly node: string }
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

/** scheduler: the public face of this folder (re-exports only). */
export { inspectGraph } from './inspect-graph.js';
export { stateFinding } from './state-finding.js';
export { executePlan } from './execute-plan.js';
export { LocalExecutor, sweepClones } from './local-executor.js';
export type { RunEvent, RunReport, NodeResult } from './run-report.js';
export { type CloneVerdict, cloneVerdict, nodeTargets, vmTargetOf } from './node-targets.js';

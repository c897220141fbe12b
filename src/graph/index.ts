/** graph: the public face of this folder (re-exports only). */
export { exportGraph, type GraphFormat } from './export-graph.js';
export { type BoundNode, buildGraph, type NodeGraph, type StateRequest } from './build-graph.js';
export { makePlan, type Plan, type PlanStep, type StateFinding } from './make-plan.js';
export {
  computeStateKeys,
  type StateKey,
  stateRefKey,
  keyChanges,
  type KeyInputs,
  ROOT_STATES,
} from './state-keys.js';
export { loadObjects, type ObjectSet } from './load-objects.js';
export { loadNodes, type NodeSet } from './load-nodes.js';
export type { NodeVariant } from './node-variant.js';
export { imageStateParams, mergeParams, vmStateParams } from './scoped-params.js';
export type { VmObject } from './test-object.js';
export {
  type ParamOrigin,
  paramOrigin,
  type ParamOriginOptions,
  pathNodes,
} from './param-origin.js';

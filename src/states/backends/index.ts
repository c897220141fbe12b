/** states/backends: the public face of this folder (re-exports only). */
export {
  type BackendName,
  type StateInfo,
  backendFor,
  type TargetBackend,
  type BeginWrite,
} from './backend.js';
export {
  isDiskOnlySnapshot,
  completeVmStates,
  sharedImageInfo,
  vmImageInfos,
  internalSnapshotOf,
  internalImageBytes,
} from './internal-snapshots.js';
export { convertRawInto, rawSourceOf, createImageRoot } from './image-roots.js';
export { qcow2extUnset } from './qcow2ext.js';

/** states/records: the public face of this folder (re-exports only). */
export {
  type StateManifest,
  type StateManifestInput,
  recordUse,
  listManifests,
  manifestProblem,
  readManifest,
  buildManifest,
} from './manifest.js';
export {
  inspectStates,
  probeStates,
  type StateInspection,
  type StateTrust,
  inspectState,
} from './inspect.js';
export { stateRecord, findMarkers, readMarker, type StateMarker } from './marker.js';

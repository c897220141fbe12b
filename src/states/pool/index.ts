/** states/pool: the public face of this folder (re-exports only). */
export {
  imageFormatOf,
  imagePath,
  sidecarDir,
  stateImagePath,
  poolDir,
  recordDirOf,
  vmPoolDir,
} from './layout.js';
export { backingOf, dependentsOf, listPool, readPool, stateNamesIn } from './pool-files.js';
export { listStoredStates, type StoredState } from './stored-states.js';
export { pathOwner, targetFsError } from './fs-failures.js';

/** params: the public face of this folder (re-exports only). */
export { Params } from './params.js';
export { checkStateName, ROOT_STATE_NAMES } from './check-state-name.js';
export { checkObjectName } from './check-object-name.js';

/** params: the public face of this folder (re-exports only). */
export { Params } from './params.js';
export { checkStateName, ROOT_STATE_NAMES, STATE_NAME_MAX_BYTES } from './check-state-name.js';
export { checkObjectName, OBJECT_NAME_MAX_BYTES } from './check-object-name.js';

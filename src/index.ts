/** cartograph's library API (re-exports only). */
export * from './errors.js';
export type { SourceLocation } from './source/index.js';
export {
  CartesianConfig,
  type CartesianConfigOptions,
  CartesianParser,
  dictToJson,
  type ExpandOptions,
  type ExpandShare,
  expandTree,
  type ParamDict,
  type ParamValue,
  type ParserOptions,
  type ShareCut,
  shareDepth,
} from './parser/index.js';
export { Params } from './params/index.js';
export { main } from './cli/index.js';
// State operations on vms and images (docs/states.md), and reaching into running guests
// (docs/vms.md).
export {
  bootVms,
  checkStates,
  cleanRoots,
  convertRawImage,
  createRoots,
  execInGuest,
  findVm,
  getStates,
  type GuestAccessSpec,
  type GuestCallOptions,
  guestAccessOf,
  type ImageTarget,
  kvmUsable,
  popStates,
  pushStates,
  readGuestFile,
  type RunningVm,
  setStates,
  showStates,
  shutdownVms,
  type StateContext,
  type StateEvent,
  type StateResult,
  type StateTarget,
  unsetStates,
  vmHardware,
  type VmTarget,
  writeGuestFile,
} from './states/index.js';
export {
  GuestAgent,
  type GuestChannel,
  type GuestExecOptions,
  type GuestExecResult,
  openGuestChannel,
  SerialShell,
  shellQuote,
} from './guest/index.js';
export {
  buildGuestImage,
  type BuildGuestImageOptions,
  defaultGuestCacheDir,
  prepareGuestKit,
} from './guest-image/index.js';

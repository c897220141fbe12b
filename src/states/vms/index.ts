/** states/vms: the public face of this folder (re-exports only). */
export {
  locateVm,
  requireRunningVm,
  findVm,
  type RunningVm,
  vmRunDir,
  type VmRunDir,
} from './run-dirs.js';
export { startVm, stopVm, withVm, bootVm, shutdownVm } from './vm-lifecycle.js';

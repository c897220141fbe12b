/** states/vms: the public face of this folder (re-exports only). */
export {
  locateVm,
  requireRunningVm,
  findVm,
  type RunningVm,
  vmRunDir,
  type VmRunDir,
} from './run-dirs.js';
export { startVm, stopVm, stopVmsUnder, withVm, bootVm, shutdownVm } from './vm-lifecycle.js';
export {
  askGuestToPowerOff,
  bootedGuestAccess,
  consoleTail,
  execInGuest,
  GUEST_ACCESS,
  type GuestAccess,
  type GuestAccessSpec,
  guestAccessOf,
  type GuestCallOptions,
  readGuestFile,
  waitForGuest,
  withGuestChannel,
  withSerialConsole,
  writeGuestFile,
} from './guest-access.js';
export {
  DEFAULT_MEM_MIB,
  kvmUsable,
  resolveAccel,
  splitArgs,
  vmHardware,
  type VmHardwareSpec,
} from './hardware.js';

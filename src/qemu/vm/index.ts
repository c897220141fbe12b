/** qemu/vm: the public face of this folder (re-exports only). */
export {
  buildVmArgs,
  defaultMac,
  escapeQemuOptionValue,
  GUEST_AGENT_PORT,
  type GuestMachine,
  guestMachine,
  machineDifferences,
  type ResolvedVmDrive,
  type VmArgsInput,
  type VmCdrom,
  type VmDrive,
  type VmHardware,
  type VmNic,
  type VmPortForward,
} from './vm-args.js';
export { type AttachVmOptions, QemuVm, type StopVmOptions, type VmStopResult } from './qemu-vm.js';
export { type StartedVm, type StartVmOptions, startVmProcess } from './start-vm-process.js';
export {
  cleanStaleRunDir,
  findRunningVm,
  LONGEST_RUN_SOCKET,
  readVmRunState,
  type RunDirStatus,
  type StaleRunDirCleanup,
  vmRunPaths,
  type VmRunPaths,
  type VmRunState,
} from './run-dir.js';

/** qemu/vm: the public face of this folder (re-exports only). */
export {
  escapeQemuOptionValue,
  buildVmArgs,
  type ResolvedVmDrive,
  type VmArgsInput,
  type VmDrive,
} from './vm-args.js';
export { type AttachVmOptions, QemuVm, type StopVmOptions, type VmStopResult } from './qemu-vm.js';
export { type StartedVm, type StartVmOptions, startVmProcess } from './start-vm-process.js';
export {
  cleanStaleRunDir,
  findRunningVm,
  readVmRunState,
  type RunDirStatus,
  type StaleRunDirCleanup,
  vmRunPaths,
  type VmRunPaths,
  type VmRunState,
} from './run-dir.js';

/** The qemu module: the only code that runs QEMU programs (re-exports only). */
export { QemuCommandError, type QemuCommandErrorDetails } from './qemu-command-error.js';
export { QmpError, type QmpErrorDetails } from './qmp-error.js';
export { isQemuError } from './is-qemu-error.js';
export { classifyQemuFailure, type QemuFailureClass } from './classify-qemu-failure.js';
export type { QemuCallOptions } from './qemu-call-options.js';
export { runQemuTool, type QemuToolResult, type QemuToolRunOptions } from './run-qemu-tool.js';
export { formatCommandLine } from './format-command-line.js';
export { escapeQemuOptionValue } from './escape-qemu-option-value.js';
export { checkSnapshotTag } from './check-snapshot-tag.js';
export type { ImageFormat } from './image-format.js';
export type { ImageSize } from './image-size-arg.js';
export type { CreationOptions } from './creation-options-arg.js';

export { createImage, type CreateImageOptions } from './create-image.js';
export { imageInfo, type ImageInfoOptions } from './image-info.js';
export { backingChainInfo } from './backing-chain-info.js';
export {
  parseImageInfo,
  type ImageInfo,
  type Qcow2Details,
  type SnapshotInfo,
} from './parse-image-info.js';
export { createSnapshot } from './create-snapshot.js';
export { applySnapshot } from './apply-snapshot.js';
export { deleteSnapshot } from './delete-snapshot.js';
export { checkImage, type CheckImageOptions } from './check-image.js';
export { parseCheckResult, type CheckResult, type CheckStatus } from './parse-check-result.js';
export { commitImage, type CommitImageOptions } from './commit-image.js';
export { rebaseImage, type RebaseImageOptions } from './rebase-image.js';
export { convertImage, type ConvertImageOptions } from './convert-image.js';
export {
  measureImage,
  type MeasureImageOptions,
  type MeasureInput,
  type MeasureResult,
} from './measure-image.js';
export { compareImages, type CompareImagesOptions } from './compare-images.js';

export { qemuIo, type QemuIoOptions, type QemuIoResult } from './qemu-io.js';
export { ioPatternCommand } from './io-pattern-command.js';

export {
  QmpClient,
  type QmpCommandOptions,
  type QmpConnectOptions,
  type QmpGreeting,
} from './qmp-client.js';
export type { QmpEvent } from './qmp-event.js';
export { MAX_SOCKET_PATH_BYTES } from './max-socket-path-bytes.js';
export { hmpFailure, type HmpFailure } from './hmp-failure.js';
export { runSnapshotJob, type SnapshotJob } from './run-snapshot-job.js';
export { loadVmSnapshot, type VmSnapshotDrives } from './load-vm-snapshot.js';
export { resumeAfterFailedLoad } from './resume-after-failed-load.js';

export { QemuVm, type AttachVmOptions, type StopVmOptions, type VmStopResult } from './qemu-vm.js';
export { startVmProcess, type StartedVm, type StartVmOptions } from './start-vm-process.js';
export {
  buildVmArgs,
  type ResolvedVmDrive,
  type VmArgsInput,
  type VmDrive,
} from './build-vm-args.js';
export { vmRunPaths, type VmRunPaths } from './vm-run-paths.js';
export type { VmRunState } from './vm-run-state.js';
export { readVmRunState } from './read-vm-run-state.js';
export { cleanStaleRunDir, type StaleRunDirCleanup } from './clean-stale-run-dir.js';
export { repairLeaks, type ImageRepair } from './repair-leaks.js';
export { isProcessAlive } from './is-process-alive.js';
export { findRunningVm, type RunDirStatus } from './find-running-vm.js';

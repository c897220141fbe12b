/** qemu/img: the public face of this folder (re-exports only). */
export {
  type QemuCallOptions,
  type QemuToolResult,
  type QemuToolRunOptions,
  runQemuTool,
} from './run-qemu-tool.js';
export {
  checkSnapshotTag,
  type CreationOptions,
  type ImageFormat,
  type ImageSize,
} from './image-args.js';
export { createImage, type CreateImageOptions } from './create-image.js';
export {
  imageInfo,
  type ImageInfo,
  type ImageInfoOptions,
  parseImageInfo,
  type Qcow2Details,
  type SnapshotInfo,
} from './image-info.js';
export {
  backingChainInfo,
  commitImage,
  type CommitImageOptions,
  rebaseImage,
  type RebaseImageOptions,
} from './backing-chain.js';
export { applySnapshot, createSnapshot, deleteSnapshot } from './snapshots.js';
export {
  checkImage,
  type CheckImageOptions,
  type CheckResult,
  type CheckStatus,
  type ImageRepair,
  parseCheckResult,
  repairLeaks,
} from './check-image.js';
export {
  compareImages,
  type CompareImagesOptions,
  convertImage,
  type ConvertImageOptions,
  measureImage,
  type MeasureImageOptions,
  type MeasureInput,
  type MeasureResult,
} from './convert-image.js';
export { ioPatternCommand, qemuIo, type QemuIoOptions, type QemuIoResult } from './qemu-io.js';

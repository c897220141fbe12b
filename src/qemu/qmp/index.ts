/** qemu/qmp: the public face of this folder (re-exports only). */
export {
  QmpClient,
  type QmpCommandOptions,
  type QmpConnectOptions,
  type QmpEvent,
  type QmpGreeting,
} from './qmp-client.js';
export {
  hmpFailure,
  type HmpFailure,
  loadVmSnapshot,
  resumeAfterFailedLoad,
  runSnapshotJob,
  type SnapshotJob,
  type VmSnapshotDrives,
} from './vm-snapshots.js';
export { incomingFromFile, resumeIncoming, saveRamFile } from './migration.js';

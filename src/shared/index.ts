/**
 * Generic helpers below every domain folder: file-system primitives (atomic and durable
 * writes, moves across file systems, temporary names) and process primitives (liveness,
 * signals, procfs). They import nothing of cartograph.
 */
export {
  isProcessAlive,
  processStartTime,
  readProcText,
  signalProcess,
  waitForProcessExit,
} from './process.js';
export {
  createExclusive,
  moveFile,
  newToken,
  pathExists,
  readDirOrEmpty,
  removeFiles,
  sameFile,
  tempPath,
  tempWriterPid,
  writeJsonAtomic,
} from './fs.js';

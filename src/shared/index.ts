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
  EXCLUSIVE_TEMP_EXTRA_BYTES,
  moveFile,
  newToken,
  pathExists,
  readDirOrEmpty,
  removeFiles,
  sameFile,
  syncDir,
  TEMP_NAME_EXTRA_BYTES,
  tempPath,
  tempWriterPid,
  writeJsonAtomic,
} from './fs.js';
export {
  cachedStat,
  errnoHint,
  errnoText,
  fileSystemError,
  fsErrorCode,
  isErrnoError,
  NAME_MAX,
  PATH_MAX,
  type PathProblem,
  pathProblem,
  type StatFn,
} from './fs-errors.js';

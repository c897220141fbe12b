/**
 * Vm snapshots over QMP: HMP `savevm`/`loadvm`/`delvm` (whose errors come back as text) and
 * the `snapshot-*` jobs, with the recovery a failed load needs.
 */
import { randomBytes } from 'node:crypto';
import { QemuError, type QemuErrorCode } from '../../errors.js';
import { classifyQemuFailure, QmpError } from '../errors.js';
import { checkSnapshotTag } from '../img/index.js';
import type { QmpClient, QmpCommandOptions } from './qmp-client.js';

/** An error that a HMP command reported inside a successful QMP return. */
export interface HmpFailure {
  /** `QEMU_SNAPSHOT_MISSING`, `QEMU_SNAPSHOT_EXISTS` or `QEMU_QMP`. */
  code: QemuErrorCode;
  /** The error text, CRLF normalised and trimmed. */
  text: string;
}

// These print nothing on success, so any output is an error (QEMU 7.2 texts include
// "Error: …", "savevm: extraneous characters at the end of line", "Not a migration stream").
const SILENT_ON_SUCCESS = new Set(['savevm', 'loadvm', 'delvm', 'stop', 'cont', 'quit']);
// Error texts any HMP command may return; other commands (`info`, `xp`) return data.
const ERROR_TEXT = [
  /^Error: /m,
  /^unknown command: /m,
  /^Try "help /m,
  /extraneous characters at the end of line/,
  /Not a migration stream/,
];

/**
 * Whether the return text of HMP `commandLine` (through QMP `human-monitor-command`) reports
 * an error. HMP always "succeeds" at the QMP level and prints its errors into the return
 * string; this finds them. `undefined` means success.
 */
export function hmpFailure(commandLine: string, output: string): HmpFailure | undefined {
  const text = output.replace(/\r\n?/g, '\n').trim();
  if (text === '') return undefined;
  const command = commandLine.trim().split(/\s+/, 1)[0] ?? '';
  if (!SILENT_ON_SUCCESS.has(command) && !ERROR_TEXT.some((re) => re.test(text))) return undefined;
  const { code } = classifyQemuFailure(text);
  return {
    code: code === 'QEMU_SNAPSHOT_MISSING' || code === 'QEMU_SNAPSHOT_EXISTS' ? code : 'QEMU_QMP',
    text,
  };
}

let counter = 0;

/**
 * A QMP job id that no other job of this or another process uses: QEMU keeps concluded jobs
 * until `job-dismiss` and refuses an id that is taken. Ids must start with a letter.
 */
export function uniqueJobId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}

/** A snapshot job: save, load or delete an internal vm snapshot through QMP. */
export type SnapshotJob =
  | {
      type: 'snapshot-save' | 'snapshot-load';
      tag: string;
      /** Node name of the qcow2 drive that holds (or receives) the RAM state. */
      vmstate: string;
      /** Node names of every drive whose disk state belongs to the snapshot. */
      devices: readonly string[];
    }
  | {
      type: 'snapshot-delete';
      tag: string;
      devices: readonly string[];
    };

interface JobInfo {
  id: string;
  status: string;
  error?: string;
}

const DEFAULT_JOB_TIMEOUT_MS = 600_000;

/**
 * Runs `snapshot-save`, `snapshot-load` or `snapshot-delete` as a QMP job and waits for it:
 * the command itself always "succeeds"; the job then goes to `concluded`, its error (if any)
 * is read from `query-jobs`, and the job is dismissed. Errors: `QEMU_SNAPSHOT_MISSING`,
 * `QEMU_SNAPSHOT_EXISTS` (save refuses an existing tag), else `QEMU_QMP`. Tags may contain
 * spaces (unlike HMP), but not be numeric.
 */
export async function runSnapshotJob(
  qmp: QmpClient,
  job: SnapshotJob,
  options: QmpCommandOptions = {},
): Promise<void> {
  checkSnapshotTag(job.tag);
  if (job.devices.length === 0) {
    throw new QemuError('QEMU_BAD_ARGUMENT', `${job.type} needs at least one device`);
  }
  const jobId = uniqueJobId(job.type);
  const timeoutMs = options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  // Subscribe first: the job may conclude before the command's reply arrives.
  const stopWaiting = new AbortController();
  const signal =
    options.signal === undefined
      ? stopWaiting.signal
      : AbortSignal.any([options.signal, stopWaiting.signal]);
  const concluded = qmp.waitForEvent(
    'JOB_STATUS_CHANGE',
    (event) => event.data?.id === jobId && event.data.status === 'concluded',
    { timeoutMs, signal },
  );
  concluded.catch(() => undefined);
  const args: Record<string, unknown> = {
    'job-id': jobId,
    tag: job.tag,
    devices: [...job.devices],
  };
  if (job.type !== 'snapshot-delete') args.vmstate = job.vmstate;
  try {
    await qmp.execute(job.type, args, options);
  } catch (error) {
    stopWaiting.abort();
    throw error;
  }
  await concluded;

  let info: JobInfo | undefined;
  try {
    const jobs = await qmp.execute<JobInfo[]>('query-jobs', undefined, options);
    info = jobs.find((j) => j.id === jobId);
  } finally {
    await qmp.execute('job-dismiss', { id: jobId }, options);
  }
  if (info?.error !== undefined) {
    const { code } = classifyQemuFailure(info.error);
    throw new QmpError(
      code === 'QEMU_SNAPSHOT_MISSING' || code === 'QEMU_SNAPSHOT_EXISTS' ? code : 'QEMU_QMP',
      `${job.type} of ${JSON.stringify(job.tag)} failed: ${info.error}`,
      { command: job.type, desc: info.error },
    );
  }
}

/** Which drives a vm snapshot covers. */
export interface VmSnapshotDrives {
  /** Node name of the drive that holds the RAM state. */
  vmstate: string;
  /** Node names of every drive in the snapshot. */
  devices: readonly string[];
}

/**
 * Loads a vm snapshot with the `snapshot-load` job. If the load fails and the vm was running
 * before, it is resumed (`cont`) before the error is rethrown, so a failed revert does not
 * leave a running vm frozen. A vm paused before stays paused either way.
 */
export async function loadVmSnapshot(
  qmp: QmpClient,
  tag: string,
  drives: VmSnapshotDrives,
  options: QmpCommandOptions = {},
): Promise<void> {
  const { running } = await qmp.execute<{ running: boolean }>('query-status', undefined, options);
  try {
    await runSnapshotJob(qmp, { type: 'snapshot-load', tag, ...drives }, options);
  } catch (error) {
    if (!qmp.isClosed) await resumeAfterFailedLoad(qmp, running, options);
    throw error;
  }
}

/**
 * After a failed `loadvm` or `snapshot-load`, QEMU leaves a vm that was running stopped (status
 * `restore-vm`). If `wasRunning`, this sends `cont` to bring it back; resolves with whether it
 * had to. A vm that was paused before stays paused.
 */
export async function resumeAfterFailedLoad(
  qmp: QmpClient,
  wasRunning: boolean,
  options: QmpCommandOptions = {},
): Promise<boolean> {
  if (!wasRunning) return false;
  const status = await qmp.execute<{ running: boolean }>('query-status', undefined, options);
  if (status.running) return false;
  await qmp.execute('cont', undefined, options);
  return true;
}

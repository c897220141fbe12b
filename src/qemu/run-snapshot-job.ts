import { QemuError } from '../errors.js';
import { classifyQemuFailure } from './classify-qemu-failure.js';
import { checkSnapshotTag } from './check-snapshot-tag.js';
import type { QmpClient, QmpCommandOptions } from './qmp-client.js';
import { QmpError } from './qmp-error.js';
import { uniqueJobId } from './unique-job-id.js';

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

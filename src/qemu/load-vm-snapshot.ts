import type { QmpClient, QmpCommandOptions } from './qmp-client.js';
import { resumeAfterFailedLoad } from './resume-after-failed-load.js';
import { runSnapshotJob } from './run-snapshot-job.js';

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

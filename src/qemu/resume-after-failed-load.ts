import type { QmpClient, QmpCommandOptions } from './qmp-client.js';

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

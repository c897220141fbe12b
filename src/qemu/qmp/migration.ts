/**
 * A running vm's RAM and device state as a file, through QEMU's migration: saved with `stop`,
 * an uncapped `migrate` to `exec:cat > FILE`, and restored by starting a vm with
 * `-incoming exec:cat FILE`, waiting for the load and `cont` (a stream saved from a stopped vm
 * loads paused). QEMU 7.2 has no `file:` migration, and `exec:` runs its command through
 * `/bin/sh -c`, so the path is quoted as one shell word here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { QemuError } from '../../errors.js';
import type { QmpClient, QmpCommandOptions } from './qmp-client.js';

/** What `query-migrate` answers (the fields read here). */
interface MigrationInfo {
  status?: string;
  'error-desc'?: string;
}

/** The default bandwidth cap makes a 100 MB save take 0.7 s; uncapped it takes 0.1 s. */
const UNCAPPED_BYTES_PER_SECOND = 1024 ** 4;
const POLL_FIRST_MS = 5;
const POLL_MAX_MS = 100;
const DEFAULT_TIMEOUT_MS = 600_000;

/** `path` as one word of `/bin/sh`: single quotes, each `'` written as `'\''`. */
function shellWord(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

/** The `-incoming` argument that loads a vm from a file saved by {@link saveRamFile}. */
export function incomingFromFile(file: string): string {
  return `exec:cat ${shellWord(file)}`;
}

/** Polls `query-migrate` until the migration is over; throws unless it completed. */
async function waitForMigration(
  qmp: QmpClient,
  what: string,
  options: QmpCommandOptions,
): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let pause = POLL_FIRST_MS;
  for (;;) {
    const info = await qmp.execute<MigrationInfo>('query-migrate', undefined, options);
    // An incoming vm reports no status before the stream starts to flow.
    const status = info.status ?? 'setup';
    if (status === 'completed') return;
    if (status === 'failed' || status === 'cancelled') {
      throw new QemuError(
        'QEMU_QMP',
        `${what} ${status}${info['error-desc'] === undefined ? '' : `: ${info['error-desc']}`}`,
      );
    }
    if (options.signal?.aborted === true) {
      throw new QemuError('QEMU_ABORTED', `${what}: aborted`, { cause: options.signal.reason });
    }
    if (performance.now() > deadline) {
      throw new QemuError('QEMU_TIMEOUT', `${what} did not finish (status ${status})`);
    }
    await sleep(pause);
    pause = Math.min(POLL_MAX_MS, pause * 2);
  }
}

/**
 * Saves the RAM and device state of a running vm to `file`: the vm is stopped first (the
 * stream then matches the disks exactly as they are now) and stays stopped; quit it after.
 */
export async function saveRamFile(
  qmp: QmpClient,
  file: string,
  options: QmpCommandOptions = {},
): Promise<void> {
  await qmp.execute('stop', undefined, options);
  await qmp.execute(
    'migrate-set-parameters',
    { 'max-bandwidth': UNCAPPED_BYTES_PER_SECOND },
    options,
  );
  await qmp.execute('migrate', { uri: `exec:cat > ${shellWord(file)}` }, options);
  await waitForMigration(qmp, `saving the vm's RAM to ${file}`, options);
}

/** Waits until a vm started with `-incoming` has loaded its state, then lets it run. */
export async function resumeIncoming(
  qmp: QmpClient,
  options: QmpCommandOptions = {},
): Promise<void> {
  await waitForMigration(qmp, "loading the vm's RAM", options);
  await qmp.execute('cont', undefined, options);
}

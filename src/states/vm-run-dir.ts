import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SOCKET_PATH_BYTES } from '../qemu/index.js';

/** Where a vm's run directory is. */
export interface VmRunDir {
  /** The directory used. */
  readonly dir: string;
  /** `<runDir>/<vm id>`, the directory asked for. */
  readonly wanted: string;
  /** Whether `wanted` was too long for a QMP socket and `dir` is the short fallback. */
  readonly fallback: boolean;
}

const SOCKET = 'qmp.sock';

/**
 * The run directory of vm `vmId` under `runDir` (absolute). When `<dir>/qmp.sock` would pass
 * the 107-byte limit of unix socket paths, a short directory under the system temp directory
 * is used instead, named by a hash of the wanted path: every process computes the same one,
 * so a vm booted by one command is found by the next.
 */
export function vmRunDir(runDir: string, vmId: string): VmRunDir {
  const wanted = join(runDir, vmId);
  if (Buffer.byteLength(join(wanted, SOCKET)) <= MAX_SOCKET_PATH_BYTES) {
    return { dir: wanted, wanted, fallback: false };
  }
  const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 20);
  const uid = process.getuid?.() ?? 0;
  let dir = join(tmpdir(), `cartograph-${uid}`, hash);
  // An unusually long TMPDIR: /tmp is short on every unix.
  if (Buffer.byteLength(join(dir, SOCKET)) > MAX_SOCKET_PATH_BYTES) {
    dir = join('/tmp', `cartograph-${uid}`, hash);
  }
  return { dir, wanted, fallback: true };
}

import { join, resolve } from 'node:path';
import { QemuError } from '../errors.js';
import { MAX_SOCKET_PATH_BYTES } from './max-socket-path-bytes.js';

/** The files of a vm's run directory. */
export interface VmRunPaths {
  /** The run directory, absolute. */
  runDir: string;
  /** QMP unix socket. */
  socket: string;
  /** Pid file QEMU writes (and keeps locked while it runs). */
  pidFile: string;
  /** QEMU's stdout and stderr. */
  log: string;
  /** JSON description of the vm (pid, command line, drives) for a later process. */
  stateFile: string;
}

/**
 * The paths of the files cartograph keeps in a vm's run directory. Throws `QEMU_BAD_ARGUMENT`
 * when the socket path would exceed the unix limit of 107 bytes: use a short run directory
 * (under /tmp or $XDG_RUNTIME_DIR), not one deep inside a workspace.
 */
export function vmRunPaths(runDir: string): VmRunPaths {
  const dir = resolve(runDir);
  const socket = join(dir, 'qmp.sock');
  const bytes = Buffer.byteLength(socket);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new QemuError(
      'QEMU_BAD_ARGUMENT',
      `run directory ${dir} is too long for a QMP socket (${bytes} > ${MAX_SOCKET_PATH_BYTES} bytes)`,
      { hint: 'use a shorter run directory, e.g. one made with mkdtemp under /tmp' },
    );
  }
  return {
    runDir: dir,
    socket,
    pidFile: join(dir, 'qemu.pid'),
    log: join(dir, 'qemu.log'),
    stateFile: join(dir, 'vm.json'),
  };
}

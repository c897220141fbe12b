/** Connecting to a guest channel's unix socket (QEMU serves it), with guest error codes. */
import type { Socket } from 'node:net';
import { GuestError } from '../errors.js';
import { connectUnixSocket, isQemuError } from '../qemu/index.js';

/**
 * Connects to a socket QEMU serves for a guest channel, retrying while it does not exist or
 * refuses (the vm is starting) until `timeoutMs`. A socket that never appears means the vm is
 * not running (`GUEST_NOT_RUNNING`); a path too long for a unix socket is `GUEST_BAD_ACCESS`;
 * an aborted signal is `GUEST_ABORTED`.
 */
export async function connectGuestSocket(
  path: string,
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Socket> {
  try {
    return await connectUnixSocket(path, {
      timeoutMs,
      signal,
      what: `connecting to ${what} ${path}`,
    });
  } catch (error) {
    if (isQemuError(error, 'QEMU_TIMEOUT')) {
      throw new GuestError(
        'GUEST_NOT_RUNNING',
        `${what} ${path}: no socket to connect to within ${timeoutMs} ms: is the vm running?`,
        { cause: error },
      );
    }
    if (isQemuError(error, 'QEMU_ABORTED')) {
      throw new GuestError('GUEST_ABORTED', `connecting to ${what} ${path}: aborted`, {
        cause: error,
      });
    }
    if (isQemuError(error, 'QEMU_BAD_ARGUMENT')) {
      throw new GuestError('GUEST_BAD_ACCESS', error.message, { cause: error });
    }
    throw new GuestError(
      'GUEST_UNREACHABLE',
      `cannot connect to ${what} ${path}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
}

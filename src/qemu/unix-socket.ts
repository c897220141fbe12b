import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { QemuError } from '../errors.js';

/** The longest unix socket path the kernel takes (`sun_path` is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Options of {@link connectUnixSocket}. */
export interface ConnectUnixSocketOptions {
  /** Give up after this many milliseconds (`QEMU_TIMEOUT`). */
  timeoutMs: number;
  /** Cancels connecting (`QEMU_ABORTED`). */
  signal?: AbortSignal | undefined;
  /** What is being connected to, for messages. */
  what: string;
}

// The socket does not exist yet, or exists but nobody listens yet (QEMU still starting).
const RETRYABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);
const RETRY_MS = 5;

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const onError = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Connects to a unix socket, retrying every few milliseconds while it does not exist or
 * refuses, until `timeoutMs`. A path over 107 bytes is `QEMU_BAD_ARGUMENT` (the kernel would
 * refuse or truncate it).
 */
export async function connectUnixSocket(
  path: string,
  options: ConnectUnixSocketOptions,
): Promise<Socket> {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new QemuError(
      'QEMU_BAD_ARGUMENT',
      `${options.what}: the socket path is ${bytes} bytes, over the unix limit of ${MAX_SOCKET_PATH_BYTES}`,
    );
  }
  const { signal, what, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted === true) {
      throw new QemuError('QEMU_ABORTED', `${what}: aborted`, { cause: signal.reason });
    }
    try {
      return await connectOnce(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!RETRYABLE.has(code)) {
        throw new QemuError('QEMU_QMP', `${what} failed: ${String(error)}`, { cause: error });
      }
      if (Date.now() >= deadline) {
        throw new QemuError('QEMU_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      await sleep(RETRY_MS);
    }
  }
}

import { open } from 'node:fs/promises';

/** Errors of platforms and filesystems that cannot sync a directory: nothing more to do there. */
const UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM', 'EBADF', 'ENOTSUP']);

/**
 * Makes the entries of `dir` durable (`fsync` of the directory): after a rename into it, a
 * power loss can then no longer undo the rename, nor let it overtake writes that follow.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

import { randomBytes } from 'node:crypto';
import { link, unlink, writeFile } from 'node:fs/promises';

/**
 * Creates `file` with `text` unless it exists, in one atomic step that never shows a partly
 * written file: the text goes to a temporary file made with O_EXCL (`wx`), which is then
 * hard-linked to `file` (`link` fails with EEXIST when `file` exists, on every local and NFS
 * filesystem) and removed. Resolves with whether `file` was created. ENOENT (the directory is
 * missing) is the caller's to handle.
 */
export async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Holds an image's lock the way another user would: an interactive `qemu-io` that opened the
 * image and waits for commands on stdin. Released (killed) after the test in any case.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';

/** A process holding an image open. */
export interface ImageLockHolder {
  pid: number;
  release(): Promise<void>;
}

/** Whether the kernel lists an OFD lock on the file's inode (QEMU's image locks are OFD locks). */
async function hasOfdLock(path: string): Promise<boolean> {
  const { ino } = await stat(path);
  const locks = await readFile('/proc/locks', 'utf8');
  return locks.split('\n').some((line) => line.includes('OFDLCK') && line.includes(`:${ino} `));
}

/**
 * Starts `qemu-io -f qcow2 [-r] image` and resolves once it holds the image's locks. Waits by
 * reading /proc/locks: probing with another qemu program could itself take the lock first and
 * make the holder fail.
 */
export async function holdImageLock(image: string, readOnly = false): Promise<ImageLockHolder> {
  const args = ['-f', 'qcow2', ...(readOnly ? ['-r'] : []), resolve(image)];
  const holder = execa('qemu-io', args, { stdin: 'pipe', reject: false });
  const pid = holder.pid;
  if (pid === undefined) throw new Error('qemu-io did not start');
  const release = async (): Promise<void> => {
    holder.kill('SIGKILL');
    await holder;
  };
  onTestFinished(release);
  for (let i = 0; !(await hasOfdLock(image)); i++) {
    if (i > 400) throw new Error(`qemu-io did not lock ${image}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  // QEMU sets its lock bytes one fcntl at a time; let it finish.
  await new Promise((r) => setTimeout(r, 20));
  return { pid, release };
}

/**
 * The guest's initramfs: busybox, the virtio modules and an `/init` that loads them, mounts
 * the root file system named by `root=` on the kernel command line and switches to it. It is
 * packed with busybox's own cpio (the host has no cpio package) and gzip, without root: the
 * device nodes come from devtmpfs at boot, so no `mknod` is needed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { runHostTool } from './host-tools.js';

/** The line the initramfs prints when it cannot mount the root file system (then powers off). */
export const INITRD_MOUNT_FAILED = 'cartograph-initrd: cannot mount the root file system';

/**
 * The initramfs `/init` script. It loads `/modules.list` (module names in load order, one per
 * line), waits up to 10 s for the `root=` device, mounts it as ext4 (read-only: the disk's
 * rcS remounts it read-write) and hands over to its `/sbin/init` with `/dev` moved along.
 */
export function initScript(): string {
  return `#!/bin/busybox sh
# cartograph initramfs: load the virtio modules, mount root=, switch_root to /sbin/init.
/bin/busybox mkdir -p /dev /proc /sys /sbin /usr/bin /usr/sbin /newroot
/bin/busybox --install -s
# devtmpfs gives /dev/console and the disks without mknod, so the initramfs builds rootless.
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
mount -t proc proc /proc
while read -r m; do
  [ -n "$m" ] && { insmod "/lib/modules/$m.ko" || echo "cartograph-initrd: insmod $m failed"; }
done < /modules.list
root=/dev/vda
for arg in $(cat /proc/cmdline); do
  case "$arg" in root=*) root="\${arg#root=}" ;; esac
done
n=0
while [ ! -b "$root" ] && [ "$n" -lt 200 ]; do usleep 50000; n=$((n + 1)); done
if ! mount -t ext4 -o ro "$root" /newroot; then
  echo "${INITRD_MOUNT_FAILED} $root"
  poweroff -f
fi
umount /proc
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
`;
}

/** Every path under `dir` relative to it, each directory before its entries (as cpio wants). */
async function listTree(dir: string, prefix = '.'): Promise<string[]> {
  const paths: string[] = [];
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = `${prefix}/${entry.name}`;
    paths.push(path);
    if (entry.isDirectory()) paths.push(...(await listTree(dir, path)));
  }
  return paths;
}

/** What goes into the initramfs. */
export interface InitramfsInput {
  /** The static busybox binary on the host. */
  busybox: string;
  /** Kernel modules in load order. */
  modules: readonly { name: string; file: string }[];
  signal?: AbortSignal | undefined;
}

/**
 * Builds the gzip-compressed newc cpio `out` from a staging tree in `workDir` (which it
 * creates and removes): `/bin/busybox`, `/lib/modules/<name>.ko`, `/modules.list`, `/init`.
 */
export async function buildInitramfs(
  input: InitramfsInput,
  workDir: string,
  out: string,
): Promise<void> {
  const tree = join(workDir, 'tree');
  await mkdir(join(tree, 'bin'), { recursive: true });
  await mkdir(join(tree, 'lib', 'modules'), { recursive: true });
  for (const dir of ['dev', 'proc', 'sys', 'newroot']) await mkdir(join(tree, dir));
  await copyFile(input.busybox, join(tree, 'bin', 'busybox'));
  await chmod(join(tree, 'bin', 'busybox'), 0o755);
  for (const { name, file } of input.modules) {
    await copyFile(file, join(tree, 'lib', 'modules', `${name}.ko`));
  }
  await writeFile(join(tree, 'modules.list'), input.modules.map((m) => `${m.name}\n`).join(''));
  await writeFile(join(tree, 'init'), initScript(), { mode: 0o755 });

  const cpio = join(workDir, 'initrd.cpio');
  await runHostTool(input.busybox, ['cpio', '-o', '-H', 'newc'], {
    cwd: tree,
    input: (await listTree(tree)).join('\n') + '\n',
    stdoutFile: cpio,
    signal: input.signal,
    purpose: 'pack the initramfs',
  });
  await pipeline(createReadStream(cpio), createGzip({ level: 9 }), createWriteStream(out), {
    signal: input.signal,
  });
  await rm(workDir, { recursive: true, force: true });
}

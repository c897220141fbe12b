/**
 * A bootable qcow2 disk of the guest, made without root and without mounting anything: an MBR
 * with SYSLINUX's boot code, partition 1 FAT16 with SYSLINUX, the kernel and the initramfs
 * (written with mtools), partition 2 ext4 filled from the root tree by `mke2fs -d`, then
 * `qemu-img convert` to qcow2. The result appears at `out` only when complete.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { GuestError, QemuError } from '../errors.js';
import { convertImage } from '../qemu/index.js';
import { tempPath } from '../shared/index.js';
import { type GuestKit, kitHash, prepareGuestKit, removeStaleTemps } from './guest-kit.js';
import { checkAborted, MBR_BIN_PACKAGE, runHostTool } from './host-tools.js';
import { checkGuestIdentity, writeRootTree } from './root-tree.js';

/** The version of the image recipe; bump it when the disk layout or the root tree changes. */
export const IMAGE_RECIPE_VERSION = 1;

const MiB = 1024 * 1024;
const SECTOR = 512;

/** Where the partitions of a guest disk are, in bytes. */
export const GUEST_DISK_LAYOUT = {
  /** Partition 1 (FAT16, SYSLINUX, kernel, initramfs): after the first MiB. */
  bootOffset: 1 * MiB,
  bootSize: 31 * MiB,
  /** Partition 2 (ext4, label {@link GUEST_ROOT_LABEL}) runs from here to the end of the disk. */
  rootOffset: 32 * MiB,
} as const;

/** The label of the root file system. */
export const GUEST_ROOT_LABEL = 'cartograph-root';
/** The kernel command line SYSLINUX passes: serial console, exit on panic, root partition. */
export const GUEST_KERNEL_CMDLINE = 'console=ttyS0,115200 panic=-1 root=/dev/vda2';
/** SYSLINUX's MBR boot code, from the Debian package syslinux-common. */
export const MBR_BIN = '/usr/lib/syslinux/mbr/mbr.bin';

/** Defaults of {@link buildGuestImage}. */
export const GUEST_IMAGE_DEFAULTS = {
  size: '256M',
  password: 'cartograph',
  hostname: 'cartograph',
} as const;

/** `syslinux.cfg`: boot the kernel at once, with SYSLINUX itself on the serial port too. */
export function syslinuxConfig(cmdline = GUEST_KERNEL_CMDLINE): string {
  return [
    'SERIAL 0 115200',
    'DEFAULT linux',
    'PROMPT 0',
    'TIMEOUT 0',
    'LABEL linux',
    '  LINUX /vmlinuz',
    '  INITRD /initrd.gz',
    `  APPEND ${cmdline}`,
    '',
  ].join('\n');
}

/** The sfdisk script of the layout: FAT16 (type 6, bootable), then Linux to the end. */
export function partitionScript(): string {
  const s = (bytes: number): number => bytes / SECTOR;
  const g = GUEST_DISK_LAYOUT;
  return [
    'label: dos',
    `start=${s(g.bootOffset)}, size=${s(g.bootSize)}, type=6, bootable`,
    `start=${s(g.rootOffset)}, type=83`,
    '',
  ].join('\n');
}

/**
 * A disk size in bytes from a number of bytes or a size such as `256M`, `1G`, `524288K`
 * (binary units). It must be a whole number of MiB and leave the root partition 32 MiB or more.
 */
export function parseDiskSize(size: number | string): number {
  let bytes: number | undefined;
  if (typeof size === 'number') {
    bytes = size;
  } else {
    const m = /^(\d+)([KMGT]?)(?:i?B)?$/i.exec(size.trim());
    if (m !== null) {
      const unit = (m[2] ?? '').toUpperCase();
      const power = ['', 'K', 'M', 'G', 'T'].indexOf(unit);
      bytes = Number(m[1]) * 1024 ** power;
    }
  }
  if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes % MiB !== 0) {
    throw new GuestError(
      'GUEST_BUILD',
      `disk size ${JSON.stringify(size)} is not a whole number of MiB such as 256M`,
    );
  }
  if (bytes < GUEST_DISK_LAYOUT.rootOffset + 32 * MiB) {
    throw new GuestError(
      'GUEST_BUILD',
      `disk size ${JSON.stringify(size)} is below the 64 MiB minimum`,
    );
  }
  return bytes;
}

/** Options of {@link buildGuestImage}. */
export interface BuildGuestImageOptions {
  /** The qcow2 file to write (replaced atomically if it exists). */
  out: string;
  /** Where kits and downloaded .debs are kept. @default defaultGuestCacheDir() */
  cacheDir?: string | undefined;
  /** Virtual disk size. @default '256M' */
  size?: number | string | undefined;
  /** root's password. @default 'cartograph' */
  password?: string | undefined;
  /** The guest's hostname (shown in `<hostname> login:` and the prompt). @default 'cartograph' */
  hostname?: string | undefined;
  /** Cancels the build (`GUEST_ABORTED`); nothing is left at `out`. */
  signal?: AbortSignal | undefined;
  /** Called with a short description of each step as it starts. */
  onStep?: ((what: string) => void) | undefined;
}

/**
 * A hash of everything an image built with these options is made of (the recipes of kit and
 * image, size, password, hostname): a name under which a built image can be cached.
 */
export function guestImageHash(
  options: Pick<BuildGuestImageOptions, 'size' | 'password' | 'hostname'> = {},
): string {
  const key = {
    image: IMAGE_RECIPE_VERSION,
    kit: kitHash(),
    size: parseDiskSize(options.size ?? GUEST_IMAGE_DEFAULTS.size),
    password: options.password ?? GUEST_IMAGE_DEFAULTS.password,
    hostname: options.hostname ?? GUEST_IMAGE_DEFAULTS.hostname,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** Writes SYSLINUX's 440 bytes of MBR boot code over the start of `disk` (what `dd` would). */
async function writeMbrCode(disk: string): Promise<void> {
  let code: Buffer;
  try {
    code = await readFile(MBR_BIN);
  } catch (error) {
    throw new GuestError(
      'GUEST_BUILD',
      `cannot read ${MBR_BIN}; install the Debian package ${MBR_BIN_PACKAGE}`,
      {
        cause: error,
      },
    );
  }
  if (code.length > 440) code = code.subarray(0, 440); // never touch the partition table
  const file = await open(disk, 'r+');
  try {
    await file.write(code, 0, code.length, 0);
  } finally {
    await file.close();
  }
}

/**
 * Builds a bootable guest disk at `out` (qcow2; see the file comment) from the cached kit,
 * preparing the kit first if needed. Everything is made in a temporary directory next to
 * `out` and renamed into place at the end.
 */
export async function buildGuestImage(
  options: BuildGuestImageOptions,
): Promise<{ out: string; kit: GuestKit }> {
  const out = resolve(options.out);
  const size = parseDiskSize(options.size ?? GUEST_IMAGE_DEFAULTS.size);
  const password = options.password ?? GUEST_IMAGE_DEFAULTS.password;
  const hostname = options.hostname ?? GUEST_IMAGE_DEFAULTS.hostname;
  // Bad options fail before anything is downloaded.
  checkGuestIdentity(hostname, password);
  const { signal } = options;
  const step = (what: string): void => {
    checkAborted(signal, `building ${out}`);
    options.onStep?.(what);
  };

  const kit = await prepareGuestKit({ cacheDir: options.cacheDir, signal, onStep: options.onStep });
  const outDir = dirname(out);
  await mkdir(outDir, { recursive: true });
  await removeStaleTemps(outDir, basename(out));
  const work = tempPath(outDir, basename(out));
  await mkdir(work);
  try {
    step('writing the root tree');
    const root = join(work, 'root');
    await writeRootTree(root, {
      busybox: kit.busybox,
      agentTree: kit.agentTree,
      hostname,
      password,
      signal,
    });

    step('partitioning the disk');
    const disk = join(work, 'disk.raw');
    const handle = await open(disk, 'wx');
    try {
      await handle.truncate(size); // sparse: only what is written takes space
    } finally {
      await handle.close();
    }
    await runHostTool('sfdisk', ['-q', disk], { input: partitionScript(), signal });

    step('writing the boot partition (FAT16, SYSLINUX, kernel, initramfs)');
    const g = GUEST_DISK_LAYOUT;
    // mkfs.vfat takes the size in KiB; -h (hidden sectors) lets the boot sector find itself.
    await runHostTool(
      'mkfs.vfat',
      [
        '-F',
        '16',
        '--offset',
        String(g.bootOffset / SECTOR),
        '-h',
        String(g.bootOffset / SECTOR),
        '-n',
        'CARTOGRAPH',
        disk,
        String(g.bootSize / 1024),
      ],
      { signal },
    );
    const cfg = join(work, 'syslinux.cfg');
    await writeFile(cfg, syslinuxConfig());
    // mtools addresses the partition as image@@offset; the names on the FAT are fixed.
    const fat = `${disk}@@${g.bootOffset}`;
    const mtoolsEnv = { MTOOLS_SKIP_CHECK: '1' };
    // The kit's files are named vmlinuz and initrd.gz already, as syslinux.cfg expects.
    await runHostTool('mcopy', ['-i', fat, kit.vmlinuz, kit.initrd, cfg, '::/'], {
      env: mtoolsEnv,
      signal,
    });
    await runHostTool('syslinux', ['--offset', String(g.bootOffset), '--install', disk], {
      env: mtoolsEnv,
      signal,
    });
    await writeMbrCode(disk);

    step('making the ext4 root file system');
    await runHostTool(
      'mke2fs',
      [
        '-q',
        '-F',
        '-t',
        'ext4',
        '-d',
        root,
        '-L',
        GUEST_ROOT_LABEL,
        '-E',
        `offset=${g.rootOffset},root_owner=0:0`,
        disk,
        `${(size - g.rootOffset) / 1024}k`,
      ],
      { signal },
    );

    step(`converting to qcow2: ${out}`);
    const qcow2 = join(work, 'disk.qcow2');
    try {
      await convertImage(disk, qcow2, { sourceFormat: 'raw', targetFormat: 'qcow2', signal });
    } catch (error) {
      if (!(error instanceof QemuError)) throw error;
      throw new GuestError(
        error.code === 'QEMU_ABORTED' ? 'GUEST_ABORTED' : 'GUEST_BUILD',
        `converting the guest disk to qcow2 failed: ${error.message}`,
        { cause: error, hint: error.hint },
      );
    }
    checkAborted(signal, `building ${out}`);
    await rename(qcow2, out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { out, kit };
}

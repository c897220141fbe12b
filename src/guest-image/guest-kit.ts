/**
 * The guest kit: everything a guest image is made of that comes from Debian packages, built
 * once per recipe and cached: the cloud kernel (`vmlinuz`), an initramfs with the virtio
 * modules, the static busybox, and qemu-ga with exactly the shared libraries it loads. A kit
 * present in the cache is used without running apt at all, so later builds work offline.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CartographError, GuestError } from '../errors.js';
import {
  isProcessAlive,
  pathExists,
  tempPath,
  tempWriterPid,
  writeJsonAtomic,
} from '../shared/index.js';
import {
  dependsRecursive,
  downloadPackages,
  type PackageRecord,
  resolveMetapackage,
  selectLibraries,
  showPackages,
} from './apt.js';
import { checkAborted, runHostTool } from './host-tools.js';
import { buildInitramfs } from './initramfs.js';
import { extractKernel } from './kernel-modules.js';
import { resolveInTree, sharedLibraryClosure } from './shared-libraries.js';

/**
 * The version of the kit recipe. Bump it whenever what goes into a kit changes (packages,
 * modules, the initramfs `/init`, the layout), so that caches built by older code are not used.
 */
export const KIT_RECIPE_VERSION = 1;

/** The kernel metapackage; its dependency names the real package of the current ABI. */
const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';
const BUSYBOX_PACKAGE = 'busybox-static';
const AGENT_PACKAGE = 'qemu-guest-agent';
/** Where Debian packages put qemu-ga (bookworm: /usr/sbin); the first that exists is used. */
const AGENT_PATHS = ['/usr/sbin/qemu-ga', '/usr/bin/qemu-ga'];
/**
 * Modules the initramfs loads: the virtio PCI transport (not a dependency of the drivers, so
 * named itself), the disk, the network card and the serial ports qemu-ga talks through. The
 * cloud kernel has ext4 built in.
 */
const MODULE_ROOTS = ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_console'];
/** Dependencies the roots are known to have: extracting them at once saves a pass. */
const MODULE_HINTS = [
  'virtio',
  'virtio_ring',
  'virtio_pci_modern_dev',
  'virtio_pci_legacy_dev',
  'net_failover',
  'failover',
];

/** A prepared guest kit (see the file comment); all paths are absolute. */
export interface GuestKit {
  /** The kit directory, `<cacheDir>/kit-<hash>`. */
  dir: string;
  /** The kernel release, as `uname -r` prints it in the guest. */
  kernelVersion: string;
  /** The kernel image. */
  vmlinuz: string;
  /** The gzip-compressed initramfs. */
  initrd: string;
  /** Every Debian package the kit was made from: name → version. */
  packages: Record<string, string>;
  /** The static busybox binary (it also runs on the host: `--list-full`, `mkpasswd`). */
  busybox: string;
  /** A tree with qemu-ga, its shared libraries and the dynamic loader, laid out as in the guest. */
  agentTree: string;
  /** Where qemu-ga is in the guest. */
  agentPath: string;
  /** The kernel modules in the initramfs, in load order. */
  modules: string[];
}

/** The contents of `kit.json`; paths are relative to the kit directory, which gets renamed. */
interface KitManifest {
  recipe: number;
  hash: string;
  kernelVersion: string;
  kernelPackage: string;
  packages: Record<string, string>;
  agentPath: string;
  modules: string[];
}

/** The hash naming a kit directory: everything the recipe is made of, except package versions. */
export function kitHash(): string {
  const recipe = {
    recipe: KIT_RECIPE_VERSION,
    kernel: KERNEL_METAPACKAGE,
    packages: [BUSYBOX_PACKAGE, AGENT_PACKAGE],
    modules: MODULE_ROOTS,
    arch: 'amd64',
  };
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/**
 * The default cache directory of guest kits and downloaded packages:
 * `$CARTOGRAPH_CACHE_DIR/guest`, else `$XDG_CACHE_HOME/cartograph/guest`, else
 * `~/.cache/cartograph/guest`.
 */
export function defaultGuestCacheDir(): string {
  const env = process.env;
  if (env.CARTOGRAPH_CACHE_DIR !== undefined && env.CARTOGRAPH_CACHE_DIR !== '') {
    return join(env.CARTOGRAPH_CACHE_DIR, 'guest');
  }
  const xdg = env.XDG_CACHE_HOME;
  const base =
    xdg !== undefined && xdg !== ''
      ? join(xdg, 'cartograph')
      : join(homedir(), '.cache', 'cartograph');
  return join(base, 'guest');
}

function kitFromManifest(dir: string, m: KitManifest): GuestKit {
  return {
    dir,
    kernelVersion: m.kernelVersion,
    vmlinuz: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.gz'),
    packages: m.packages,
    busybox: join(dir, 'busybox'),
    agentTree: join(dir, 'agent'),
    agentPath: m.agentPath,
    modules: m.modules,
  };
}

/**
 * The kit in `dir`, or `undefined` when there is no usable one: no `kit.json` (not finished),
 * a manifest of another recipe or a file gone (damaged by hand). An unusable kit directory is
 * replaced by the next build (see `publishKit`).
 */
async function readKit(dir: string): Promise<GuestKit | undefined> {
  let manifest: Partial<KitManifest>;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'kit.json'), 'utf8')) as Partial<KitManifest>;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (
    manifest.recipe !== KIT_RECIPE_VERSION ||
    typeof manifest.kernelVersion !== 'string' ||
    typeof manifest.agentPath !== 'string' ||
    typeof manifest.packages !== 'object' ||
    !Array.isArray(manifest.modules)
  ) {
    return undefined;
  }
  const kit = kitFromManifest(dir, manifest as KitManifest);
  for (const file of [kit.vmlinuz, kit.initrd, kit.busybox, join(kit.agentTree, kit.agentPath)]) {
    if (!(await pathExists(file))) return undefined;
  }
  return kit;
}

/**
 * Removes the temporary files and directories for `name` in `dir` (made by `tempPath`) whose
 * writing process has died: a build that was killed leaves them behind.
 */
export async function removeStaleTemps(dir: string, name: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [])) {
    const pid = tempWriterPid(entry, name);
    if (pid !== undefined && !isProcessAlive(pid)) {
      await rm(join(dir, entry), { recursive: true, force: true });
    }
  }
}

/** The packages of a kit, as apt's candidates: kernel, busybox, qemu-ga and its libraries. */
async function resolveGuestPackages(signal: AbortSignal | undefined): Promise<{
  kernelPackage: string;
  records: Map<string, PackageRecord>;
  /** The names of the library packages qemu-ga needs. */
  libraries: string[];
}> {
  const kernelPackage = await resolveMetapackage(KERNEL_METAPACKAGE, 'linux-image-', { signal });
  const agentDepends = await dependsRecursive(AGENT_PACKAGE, { signal });
  const main = [kernelPackage, BUSYBOX_PACKAGE, AGENT_PACKAGE];
  // One apt-cache show for all: the named packages must exist, the dependencies may be virtual.
  const known = await showPackages(main, { signal, optional: [...agentDepends.keys()] });
  const records = new Map<string, PackageRecord>();
  for (const name of main) {
    const record = known.get(name);
    if (record !== undefined) records.set(name, record);
  }
  const libraries = selectLibraries(AGENT_PACKAGE, agentDepends, known);
  for (const library of libraries) records.set(library.package, library);
  return { kernelPackage, records, libraries: libraries.map((l) => l.package) };
}

/**
 * Copies qemu-ga from the extracted packages in `packagesTree` to `agentTree`, with exactly the
 * shared libraries and the loader it needs, at their guest paths; returns qemu-ga's guest path.
 */
async function copyAgent(packagesTree: string, agentTree: string): Promise<string> {
  let agentPath: string | undefined;
  for (const candidate of AGENT_PATHS) {
    if ((await resolveInTree(packagesTree, candidate)) !== undefined) {
      agentPath = candidate;
      break;
    }
  }
  if (agentPath === undefined) {
    throw new GuestError(
      'GUEST_BUILD',
      `${AGENT_PACKAGE} has no qemu-ga in ${AGENT_PATHS.join(' or ')}`,
    );
  }
  const files = [
    { guestPath: agentPath, hostFile: join(packagesTree, agentPath) },
    ...(await sharedLibraryClosure(packagesTree, agentPath)),
  ];
  for (const { guestPath, hostFile } of files) {
    const target = join(agentTree, guestPath);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(hostFile, target);
    // Keep the package's modes: the kernel runs the loader only if it is executable.
    await chmod(target, (await stat(hostFile)).mode & 0o777);
  }
  return agentPath;
}

/** Options of {@link prepareGuestKit}. */
export interface PrepareGuestKitOptions {
  /** Where kits and downloaded .debs are kept. @default defaultGuestCacheDir() */
  cacheDir?: string | undefined;
  /** Cancels the preparation (`GUEST_ABORTED`); a half-built kit is removed. */
  signal?: AbortSignal | undefined;
  /** Called with a short description of each step as it starts. */
  onStep?: ((what: string) => void) | undefined;
}

/**
 * Returns the cached kit of the current recipe, or builds it: resolves the kernel package with
 * apt, downloads the packages into `<cacheDir>/debs/` (reusing .debs already there), extracts
 * what is needed and builds the initramfs, all in a temporary directory renamed to
 * `<cacheDir>/kit-<hash>` when complete (`kit.json` is written last). When two processes build
 * at once, the first rename wins and the other uses the winner's kit.
 */
export async function prepareGuestKit(options: PrepareGuestKitOptions = {}): Promise<GuestKit> {
  const cacheDir = options.cacheDir ?? defaultGuestCacheDir();
  const hash = kitHash();
  const name = `kit-${hash}`;
  const kitDir = join(cacheDir, name);
  const existing = await readKit(kitDir);
  if (existing !== undefined) return existing;

  const { signal } = options;
  const step = (what: string): void => {
    checkAborted(signal, 'preparing the guest kit');
    options.onStep?.(what);
  };
  checkAborted(signal, 'preparing the guest kit');
  await mkdir(cacheDir, { recursive: true });
  const debsDir = join(cacheDir, 'debs');
  await removeStaleTemps(cacheDir, name);
  await removeStaleTemps(debsDir, 'download');

  step(`resolving ${KERNEL_METAPACKAGE}, ${BUSYBOX_PACKAGE} and ${AGENT_PACKAGE} with apt`);
  const { kernelPackage, records, libraries } = await resolveGuestPackages(signal);
  const debs = await downloadPackages([...records.values()], debsDir, { signal, onStep: step });
  const deb = (pkg: string): string => {
    const path = debs.get(pkg);
    if (path === undefined) throw new CartographError('INTERNAL', `no .deb for ${pkg}`);
    return path;
  };

  const temp = tempPath(cacheDir, name);
  const work = join(temp, 'work');
  await mkdir(work, { recursive: true });
  try {
    step(`extracting the kernel and its virtio modules from ${kernelPackage}`);
    const kernel = await extractKernel(
      deb(kernelPackage),
      join(work, 'kernel'),
      MODULE_ROOTS,
      MODULE_HINTS,
      { signal },
    );
    await copyFile(kernel.vmlinuz, join(temp, 'vmlinuz'));

    step(`extracting busybox, qemu-ga and ${libraries.length} library packages`);
    const busyboxTree = join(work, 'busybox');
    await runHostTool('dpkg-deb', ['-x', deb(BUSYBOX_PACKAGE), busyboxTree], { signal });
    const busybox = join(temp, 'busybox');
    await copyFile(join(busyboxTree, 'bin', 'busybox'), busybox);
    await chmod(busybox, 0o755);

    const packagesTree = join(work, 'packages');
    for (const pkg of [AGENT_PACKAGE, ...libraries]) {
      await runHostTool('dpkg-deb', ['-x', deb(pkg), packagesTree], { signal });
    }
    const agentPath = await copyAgent(packagesTree, join(temp, 'agent'));

    step(`building the initramfs (${kernel.modules.map((m) => m.name).join(', ')})`);
    await buildInitramfs(
      { busybox, modules: kernel.modules, signal },
      join(work, 'initramfs'),
      join(temp, 'initrd.gz'),
    );

    await rm(work, { recursive: true, force: true });
    const manifest: KitManifest = {
      recipe: KIT_RECIPE_VERSION,
      hash,
      kernelVersion: kernel.kernelVersion,
      kernelPackage,
      packages: Object.fromEntries([...records.values()].map((r) => [r.package, r.version])),
      agentPath,
      modules: kernel.modules.map((m) => m.name),
    };
    // Written last: a kit directory without kit.json is never used.
    await writeJsonAtomic(join(temp, 'kit.json'), manifest);
    checkAborted(signal, 'preparing the guest kit');
    return await publishKit(temp, kitDir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * Renames the finished kit `temp` to `kitDir`. A rename onto a non-empty directory fails, so
 * of two processes that built the same kit the second finds the winner's and uses it. An
 * unusable directory there (see `readKit`) is first renamed aside, never deleted in place: at
 * every moment `kitDir` is absent, unusable or a complete kit that someone may be using.
 */
async function publishKit(temp: string, kitDir: string): Promise<GuestKit> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(temp, kitDir);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      const winner = await readKit(kitDir);
      if (winner !== undefined) return winner;
      if (attempt > 0) throw error;
      const aside = tempPath(dirname(kitDir), basename(kitDir));
      try {
        await rename(kitDir, aside);
      } catch (renameError) {
        if ((renameError as NodeJS.ErrnoException).code !== 'ENOENT') throw renameError;
      }
      await rm(aside, { recursive: true, force: true });
    }
  }
  const kit = await readKit(kitDir);
  if (kit === undefined) {
    throw new GuestError('GUEST_BUILD', `the guest kit in ${kitDir} is incomplete; remove it`);
  }
  return kit;
}

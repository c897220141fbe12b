/**
 * The real Linux test guest (src/guest-image), built once per machine and recipe and shared by
 * every test of every `npm test` run: `node_modules/.cache/cartograph-test/guest-<hash>.qcow2`.
 * Parallel test files (vitest runs them in separate processes) take a lock file to build it;
 * the others wait for the `.json` written after the image, so none builds it twice or sees a
 * half-written file. Callers must never write to the image: boot a qcow2 overlay on it or a
 * copy. The guest kit (kernel, initramfs, busybox, qemu-ga) is cached in the default guest
 * cache directory, so after the first build nothing is downloaded.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildGuestImage,
  GUEST_IMAGE_DEFAULTS,
  GUEST_READY_LINE,
  type GuestKit,
  guestImageHash,
} from '../../src/guest-image/index.js';
import {
  createExclusive,
  isProcessAlive,
  pathExists,
  writeJsonAtomic,
} from '../../src/shared/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the shared test guest is kept. */
export const LINUX_GUEST_CACHE = join(repoRoot, 'node_modules', '.cache', 'cartograph-test');

/** The login of the test guest on its serial console. */
export const LINUX_GUEST_LOGIN = {
  username: 'root',
  password: GUEST_IMAGE_DEFAULTS.password,
  hostname: GUEST_IMAGE_DEFAULTS.hostname,
} as const;

/**
 * What the guest prints on its serial console, as patterns for text from which terminal
 * escape sequences were removed ({@link stripTerminalEscapes}: busybox ash writes `ESC[6n`
 * right after each prompt) and `\r` may precede `\n`.
 */
export const LINUX_GUEST_CONSOLE = {
  /** The end of the start-up (printed before the login prompt). */
  ready: GUEST_READY_LINE,
  /** getty's prompt: `cartograph login: `. */
  login: /login: $/,
  /** busybox login's password prompt. */
  password: /Password: $/,
  /** The shell prompt, `root@cartograph:~# `. */
  prompt: /[#$] $/,
  /** The exact prompt of root in its home directory. */
  rootPrompt: `root@${GUEST_IMAGE_DEFAULTS.hostname}:~# `,
} as const;

/** Removes ANSI CSI escape sequences (`ESC[6n`, colours) from console text. */
export function stripTerminalEscapes(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** The shared test guest: its image and the kit it was built from. */
export interface LinuxGuest {
  /** The qcow2 image; never write to it. */
  image: string;
  /** The kit the image was made from (`kernelVersion` is what `uname -r` prints). */
  kit: GuestKit;
}

const WAIT_MS = 15 * 60_000;
let cached: Promise<LinuxGuest> | undefined;

async function readInfo(info: string, image: string): Promise<LinuxGuest | undefined> {
  if (!(await pathExists(info)) || !(await pathExists(image))) return undefined;
  return { image, kit: (JSON.parse(await readFile(info, 'utf8')) as { kit: GuestKit }).kit };
}

async function buildShared(): Promise<LinuxGuest> {
  const hash = guestImageHash();
  const image = join(LINUX_GUEST_CACHE, `guest-${hash}.qcow2`);
  // Written after the image: its presence says the image is complete.
  const info = join(LINUX_GUEST_CACHE, `guest-${hash}.json`);
  const lock = join(LINUX_GUEST_CACHE, `guest-${hash}.lock`);
  const deadline = Date.now() + WAIT_MS;
  await mkdir(LINUX_GUEST_CACHE, { recursive: true });
  while (Date.now() < deadline) {
    const done = await readInfo(info, image);
    if (done !== undefined) return done;
    if (await createExclusive(lock, String(process.pid))) {
      try {
        const again = await readInfo(info, image);
        if (again !== undefined) return again;
        const { kit } = await buildGuestImage({ out: image });
        await writeJsonAtomic(info, { kit });
        return { image, kit };
      } finally {
        await rm(lock, { force: true });
      }
    }
    // Another process builds it; take over its lock only when it died.
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
    if (Number.isSafeInteger(holder) && holder > 0 && !isProcessAlive(holder)) {
      await rm(lock, { force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the shared Linux test guest ${image} was not built within ${WAIT_MS} ms`);
}

/**
 * The shared test guest, built on first use (the first build on a machine downloads about
 * 30 MB of Debian packages; later ones take about a second; later calls return at once).
 */
export function linuxGuest(): Promise<LinuxGuest> {
  cached ??= buildShared().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** The path of the shared test guest's qcow2 image (see {@link linuxGuest}). */
export async function linuxGuestImage(): Promise<string> {
  return (await linuxGuest()).image;
}

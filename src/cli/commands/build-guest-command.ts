/**
 * `cartograph build-guest`: writes a bootable qcow2 disk of the small Linux guest made from
 * Debian packages (src/guest-image). The bundled suite's install step runs it on the image it
 * installs, so the guest is cached as a state like any other.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { buildGuestImage, GUEST_IMAGE_DEFAULTS } from '../../guest-image/index.js';
import { type CliIo, EXIT, writeAll } from '../main.js';

const HELP = `usage: cartograph build-guest --out FILE [options]

Builds a small real Linux guest from Debian packages without root rights (the cloud kernel,
busybox, the QEMU guest agent; an ext4 root made with mke2fs -d) and writes it as a bootable
qcow2 disk to FILE, replacing it only when complete. Downloads and the kernel kit are cached
(--cache), so a second build is offline and fast. The guest logs in as root on its serial
console and runs the QEMU guest agent: guest_access = serial or agent both work.

options:
  --out FILE           the qcow2 disk to write (required)
  --size SIZE          virtual disk size (default ${GUEST_IMAGE_DEFAULTS.size})
  --password TEXT      root's password (default ${GUEST_IMAGE_DEFAULTS.password})
  --hostname NAME      the guest's hostname (default ${GUEST_IMAGE_DEFAULTS.hostname})
  --cache DIR          downloads and kits (default $CARTOGRAPH_CACHE_DIR, else ~/.cache/cartograph, /guest)
  -v, --verbose        say each step
  -h, --help           show this help
`;

export async function buildGuestCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    allowPositionals: false,
    strict: true,
    options: {
      out: { type: 'string' },
      size: { type: 'string' },
      password: { type: 'string' },
      hostname: { type: 'string' },
      cache: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    await writeAll(io.stdout, HELP);
    return EXIT.ok;
  }
  if (values.out === undefined) {
    throw new UsageError('USAGE', 'give the disk to write with --out FILE');
  }
  const { out, kit } = await buildGuestImage({
    out: values.out.startsWith('/') ? values.out : `${io.cwd}/${values.out}`,
    size: values.size,
    password: values.password,
    hostname: values.hostname,
    cacheDir: values.cache,
    onStep:
      values.verbose === true ? (what) => io.stderr.write(`build-guest: ${what}\n`) : undefined,
  });
  await writeAll(io.stdout, `${out}: Linux ${kit.kernelVersion}, busybox and qemu-ga\n`);
  return EXIT.ok;
}

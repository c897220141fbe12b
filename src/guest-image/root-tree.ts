/**
 * The guest's root file system as a directory tree on the host, ready for `mke2fs -d`. This is
 * the guest's contract that other code relies on: busybox init with the inittab below, a serial
 * login as root, the prompt, static QEMU user networking, `/dev/virtio-ports/<name>` links,
 * qemu-ga on its virtio port, services in `/etc/rc.d/S*`, and the line `cartograph-guest: ready`
 * on the console when the start is complete. The texts are pure functions, tested as such.
 */
import { chmod, copyFile, cp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GuestError } from '../errors.js';
import { runHostTool } from './host-tools.js';

/** The line rcS prints on the console when the guest has started. */
export const GUEST_READY_LINE = 'cartograph-guest: ready';
/** The guest's PATH (login shells, rcS, rcK). */
export const GUEST_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** The virtio-serial port name qemu-ga listens on (the channel QEMU's guest agent uses). */
export const GUEST_AGENT_PORT_NAME = 'org.qemu.guest_agent.0';
/** Where rcS lets qemu-ga write its pid (tmpfs) and keep its state (the root file system). */
export const GUEST_AGENT_PIDFILE = '/run/qemu-ga.pid';
export const GUEST_AGENT_STATEDIR = '/var/lib/qemu-ga';

/** Static addresses of QEMU's user networking (`-netdev user`): guest, gateway, DNS. */
export const GUEST_NETWORK = {
  address: '10.0.2.15',
  prefixLength: 24,
  gateway: '10.0.2.2',
  nameserver: '10.0.2.3',
} as const;

/** busybox init's table: rcS at start, a login on the serial console, rcK at shutdown. */
export function inittabText(): string {
  return [
    '# cartograph guest: busybox init',
    '::sysinit:/etc/init.d/rcS',
    'ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100',
    '::shutdown:/etc/init.d/rcK',
    '::ctrlaltdel:/sbin/reboot',
    '',
  ].join('\n');
}

/** `/etc/passwd`: root only, with its shell and home. */
export function passwdText(): string {
  return 'root:x:0:0:root:/root:/bin/sh\n';
}

/** `/etc/group`: root, and the groups devpts and busybox applets expect. */
export function groupText(): string {
  return ['root:x:0:', 'tty:x:5:', 'disk:x:6:', 'wheel:x:10:', 'nogroup:x:65534:', ''].join('\n');
}

/**
 * `/etc/shadow` for root with a crypt(3) hash. The last-change field stays empty: `0` would
 * make a login insist on a new password, and a date would make the image depend on the day.
 */
export function shadowText(passwordHash: string): string {
  if (/[:\n]/.test(passwordHash)) {
    throw new GuestError('GUEST_BUILD', 'a password hash must not contain ":" or a newline');
  }
  return `root:${passwordHash}::0:99999:7:::\n`;
}

/** `/etc/profile`: PATH and the prompt `root@<hostname>:~# `. */
export function profileText(): string {
  return [`export PATH=${GUEST_PATH}`, "PS1='\\u@\\h:\\w\\$ '", 'export PS1', ''].join('\n');
}

/** `/etc/hosts`. */
export function hostsText(hostname: string): string {
  return `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
}

/**
 * `/etc/init.d/rcS`, busybox init's sysinit action. It must end by printing
 * {@link GUEST_READY_LINE}: drivers wait for it.
 */
export function rcsText(): string {
  const n = GUEST_NETWORK;
  return `#!/bin/sh
# cartograph guest: system start (busybox init's sysinit action).
export PATH=${GUEST_PATH}
mount -t proc proc /proc
# From here on kernel messages go to the log only (dmesg), not between a shell's lines on the
# serial console, where a driver matches prompts; emergencies still reach the console.
dmesg -n 1
mount -t sysfs sysfs /sys
# /dev is the devtmpfs the initramfs moved here.
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -o remount,rw /
hostname -F /etc/hostname

ip addr add 127.0.0.1/8 dev lo 2>/dev/null
ip link set lo up
# QEMU user networking has fixed addresses: no DHCP client needed.
if [ -e /sys/class/net/eth0 ]; then
  ip link set eth0 up
  ip addr add ${n.address}/${n.prefixLength} dev eth0
  ip route add default via ${n.gateway}
fi

# There is no udev: name the virtio-serial ports as udev would.
mkdir -p /dev/virtio-ports
for f in /sys/class/virtio-ports/*/name; do
  [ -r "$f" ] || continue
  name=$(cat "$f")
  port=\${f%/name}
  port=\${port##*/}
  [ -n "$name" ] && ln -sf "../$port" "/dev/virtio-ports/$name"
done

if [ -e /dev/virtio-ports/${GUEST_AGENT_PORT_NAME} ]; then
  mkdir -p ${GUEST_AGENT_STATEDIR}
  qemu-ga -d -m virtio-serial -p /dev/virtio-ports/${GUEST_AGENT_PORT_NAME} \\
    -f ${GUEST_AGENT_PIDFILE} -t ${GUEST_AGENT_STATEDIR} ||
    echo "cartograph-guest: qemu-ga did not start"
fi

# Services: every executable /etc/rc.d/S* with "start", in name order.
for s in /etc/rc.d/S*; do
  [ -x "$s" ] && "$s" start
done
echo "${GUEST_READY_LINE}"
`;
}

/**
 * `/etc/init.d/rcK`, busybox init's shutdown action: services stop in reverse order, qemu-ga
 * stops, and `/` is remounted read-only so the ext4 journal is clean after `poweroff`.
 */
export function rckText(): string {
  return `#!/bin/sh
# cartograph guest: system stop (busybox init's shutdown action).
export PATH=${GUEST_PATH}
services=
for s in /etc/rc.d/S*; do
  [ -x "$s" ] && services="$s $services"
done
for s in $services; do
  "$s" stop
done
if [ -r ${GUEST_AGENT_PIDFILE} ]; then
  pid=$(cat ${GUEST_AGENT_PIDFILE})
  kill "$pid" 2>/dev/null
  n=0
  while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 30 ]; do usleep 100000; n=$((n + 1)); done
fi
sync
mount -o remount,ro / || echo "cartograph-guest: / stays read-write"
`;
}

/**
 * `/sbin/shutdown`: busybox has no shutdown applet, and qemu-ga's guest-shutdown runs
 * `/sbin/shutdown -h -P|-H|-r +0 MESSAGE` (`-h` always, then the mode). The busybox poweroff,
 * halt and reboot it maps to go through init, and so through rcK.
 */
export function shutdownText(): string {
  return `#!/bin/sh
# cartograph guest: what qemu-ga's guest-shutdown runs (busybox has no shutdown applet).
action=poweroff
for arg in "$@"; do
  case "$arg" in
    -r) action=reboot ;;
    -H) action=halt ;;
    -P) action=poweroff ;;
  esac
done
exec "/sbin/$action"
`;
}

/** The hostnames a guest may have: one DNS label. */
export const HOSTNAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** What {@link writeRootTree} needs from the kit and the options. */
export interface RootTreeInput {
  /** The static busybox on the host (run for `--list-full` and `mkpasswd`, copied in). */
  busybox: string;
  /** A tree with qemu-ga, its libraries and the loader, copied in as is. */
  agentTree: string;
  hostname: string;
  password: string;
  signal?: AbortSignal | undefined;
}

/** The sha512 crypt(3) hash of `password`, from the static busybox (password on stdin). */
export async function hashPassword(
  busybox: string,
  password: string,
  signal?: AbortSignal,
): Promise<string> {
  const hash = (
    await runHostTool(busybox, ['mkpasswd', '-m', 'sha512'], {
      input: password,
      signal,
      purpose: 'hash the root password',
    })
  ).trim();
  if (!hash.startsWith('$6$')) {
    throw new GuestError(
      'GUEST_BUILD',
      `busybox mkpasswd gave no sha512 hash: ${hash.slice(0, 20)}…`,
    );
  }
  return hash;
}

async function put(root: string, path: string, text: string, mode = 0o644): Promise<void> {
  const file = join(root, path);
  await mkdir(dirname(file), { recursive: true });
  // An applet symlink of the same name points at /bin/busybox: writing through it would
  // overwrite the host's busybox. Replace the link instead.
  await rm(file, { force: true });
  await writeFile(file, text, { mode });
  await chmod(file, mode); // the umask must not decide the guest's permissions
}

/** Throws `GUEST_BUILD` for a hostname or password the guest cannot have. */
export function checkGuestIdentity(hostname: string, password: string): void {
  if (!HOSTNAME_PATTERN.test(hostname)) {
    throw new GuestError(
      'GUEST_BUILD',
      `hostname ${JSON.stringify(hostname)} is not one DNS label`,
    );
  }
  if (password === '' || /[\n\r\0]/.test(password)) {
    throw new GuestError('GUEST_BUILD', 'the root password must be non-empty and on one line');
  }
}

/** Writes the whole root tree into `root` (an empty or missing directory). */
export async function writeRootTree(root: string, input: RootTreeInput): Promise<void> {
  checkGuestIdentity(input.hostname, input.password);
  await mkdir(root, { recursive: true });
  await cp(input.agentTree, root, { recursive: true, verbatimSymlinks: true });

  const dirs: [string, number][] = [
    ['bin', 0o755],
    ['sbin', 0o755],
    ['usr/bin', 0o755],
    ['usr/sbin', 0o755],
    ['dev', 0o755],
    ['proc', 0o555],
    ['sys', 0o555],
    ['run', 0o755],
    ['tmp', 0o1777],
    ['root', 0o700],
    ['home', 0o755],
    ['mnt', 0o755],
    ['etc/rc.d', 0o755],
    ['etc/init.d', 0o755],
    ['var/lib', 0o755],
    ['var/log', 0o755],
    ['var/tmp', 0o1777],
  ];
  for (const [dir, mode] of dirs) {
    await mkdir(join(root, dir), { recursive: true });
    await chmod(join(root, dir), mode);
  }
  // Programs expect /var/run (qemu-ga's default pid file lives there) and /var/lock.
  await symlink('../run', join(root, 'var/run'));
  await symlink('../run/lock', join(root, 'var/lock'));

  await copyFile(input.busybox, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  // Every applet as a symlink, where busybox itself would install it (`--install -s`).
  const applets = await runHostTool(input.busybox, ['--list-full'], { signal: input.signal });
  for (const applet of applets.split('\n').map((a) => a.trim())) {
    // The list names busybox itself too (bin/busybox).
    if (
      applet === '' ||
      applet === 'bin/busybox' ||
      applet.includes('..') ||
      applet.startsWith('/')
    ) {
      continue;
    }
    await mkdir(dirname(join(root, applet)), { recursive: true });
    await symlink('/bin/busybox', join(root, applet));
  }

  const hash = await hashPassword(input.busybox, input.password, input.signal);
  await put(root, 'etc/inittab', inittabText());
  await put(root, 'etc/passwd', passwdText());
  await put(root, 'etc/group', groupText());
  await put(root, 'etc/shadow', shadowText(hash), 0o600);
  await put(root, 'etc/profile', profileText());
  await put(root, 'etc/shells', '/bin/sh\n/bin/ash\n');
  await put(root, 'etc/hostname', `${input.hostname}\n`);
  await put(root, 'etc/hosts', hostsText(input.hostname));
  await put(root, 'etc/resolv.conf', `nameserver ${GUEST_NETWORK.nameserver}\n`);
  await put(root, 'etc/init.d/rcS', rcsText(), 0o755);
  await put(root, 'etc/init.d/rcK', rckText(), 0o755);
  await put(root, 'sbin/shutdown', shutdownText(), 0o755);
}

/**
 * The `qemu-system-x86_64` command line of a vm, built as an argument array with every value
 * escaped for QEMU's option syntax: the machine (accelerator, CPU, RAM), its disks, kernel,
 * CD-ROMs, network cards with host port forwards, the serial console and the guest agent
 * channel, and the monitor. Values QEMU would refuse are refused here, naming the value.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { QemuError } from '../../errors.js';

/**
 * Escapes a value for a QEMU `key=value,key=value` option string (`-drive file=…`,
 * `-qmp unix:…`, `--image-opts`, `-l snapshot.name=…`): QEMU reads `,,` as one literal comma.
 */
export function escapeQemuOptionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

/** A qcow2 disk of a vm. */
export interface VmDrive {
  /** The qcow2 image. */
  file: string;
  /** Drive id (`id=`, used by HMP). @default `drv<index>` */
  id?: string | undefined;
  /** Block node name (`node-name=`, used by the snapshot jobs). @default `disk<index>` */
  nodeName?: string | undefined;
}

/** A drive with every name filled in and an absolute file name. */
export interface ResolvedVmDrive {
  /** Absolute path of the qcow2 image. */
  file: string;
  /** Drive id (HMP). */
  id: string;
  /** Block node name (snapshot jobs). */
  nodeName: string;
}

/** A read-only CD-ROM (an installer ISO, a config drive). */
export interface VmCdrom {
  /** Its name in the config (`cd1`): the drive id. */
  id: string;
  /** The ISO file. */
  file: string;
}

/** A host port that reaches a guest port through QEMU's user-mode network. */
export interface VmPortForward {
  /** The TCP port in the guest. */
  guestPort: number;
  /** The TCP port on the host's loopback interface. */
  hostPort: number;
}

/** A network card on QEMU's user-mode network (no root rights, no host setup). */
export interface VmNic {
  /** Its name in the config (`nic1`): the netdev id. */
  id: string;
  /** The QEMU device model (`virtio-net-pci`, `e1000`, `rtl8139`). @default `virtio-net-pci` */
  model?: string | undefined;
  /** Its MAC address. @default one derived from the vm name and the nic id */
  mac?: string | undefined;
  /** Host ports forwarded to guest ports. */
  forwards?: readonly VmPortForward[] | undefined;
}

/** The hardware of a vm, beyond its disks: what the guest sees. */
export interface VmHardware {
  /** The accelerator (resolve `auto` first, see `resolveAccel`). @default 'tcg' */
  accel?: 'kvm' | 'tcg' | undefined;
  /** The machine type (`-machine`). @default 'pc' */
  machine?: string | undefined;
  /** The CPU model (`-cpu`). @default `host` under KVM; QEMU's own default under TCG */
  cpu?: string | undefined;
  /** Virtual CPUs. @default 1 */
  smp?: number | undefined;
  /** A kernel to boot directly (`-kernel`), instead of the disk's boot loader. */
  kernel?: string | undefined;
  /** Its initial ramdisk (`-initrd`). */
  initrd?: string | undefined;
  /** Its command line (`-append`). */
  kernelParams?: string | undefined;
  /** CD-ROMs, read-only, in order. */
  cdroms?: readonly VmCdrom[] | undefined;
  /** The firmware's boot order (`-boot order=`, letters `c` disk, `d` CD-ROM, `n` network). */
  bootOrder?: string | undefined;
  /** The boot order of the first boot only (`-boot once=`), as an installer wants. */
  bootOnce?: string | undefined;
  /** Network cards. */
  nics?: readonly VmNic[] | undefined;
}

/** Everything {@link buildVmArgs} needs. */
export interface VmArgsInput {
  /** The qcow2 disks, in order. */
  drives: readonly VmDrive[];
  /** Guest RAM in MiB. */
  memoryMiB: number;
  /** The rest of the hardware. @default a TCG `pc` with one CPU and nothing else */
  hardware?: VmHardware | undefined;
  /** Path of the QMP unix socket QEMU creates. */
  qmpSocket: string;
  /** Path of the pid file QEMU writes. */
  pidFile: string;
  /**
   * The serial console: a unix socket QEMU serves (one client at a time) and a file that gets
   * everything the guest prints on it. No serial port when not given.
   */
  serial?: { socket: string; log: string } | undefined;
  /** The unix socket of the guest agent's virtio-serial port. No channel when not given. */
  agentSocket?: string | undefined;
  /** Start with the CPUs stopped (`-S`). */
  paused: boolean;
  /** Guest name shown by `ps` and `query-name`; also seeds default MAC addresses. */
  name?: string | undefined;
  /**
   * Wait for an incoming migration stream instead of booting (`-incoming`), e.g.
   * `exec:cat <file>`: the vm resumes from the stream's RAM and device state.
   */
  incoming?: string | undefined;
  /** Appended unchanged, after cartograph's own arguments. */
  extraArgs?: readonly string[] | undefined;
}

/**
 * The guest-visible machine a vm state is bound to: QEMU loads a saved state only into the
 * same machine (it says no more than "Size mismatch" or "Unknown savevm section" when it
 * differs), so states record it and loading compares it first.
 */
export interface GuestMachine {
  machine: string;
  accel: 'kvm' | 'tcg';
  /** The `-cpu` given, `default` for QEMU's own. */
  cpu: string;
  smp: number;
  memoryMiB: number;
  /** How many disks, CD-ROMs and the model of each network card. */
  disks: number;
  cdroms: number;
  nics: string[];
}

/** The agent's virtio-serial port name: what qemu-ga looks for in the guest. */
export const GUEST_AGENT_PORT = 'org.qemu.guest_agent.0';

// QEMU's rule for ids (id_wellformed); node names are also limited to 31 characters.
const ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const MAX_NODE_NAME = 31;
// Machine types, CPU models and device models: names, with CPU feature flags (`+sse4.2`).
const MODEL = /^[A-Za-z0-9][A-Za-z0-9_.+=,-]*$/;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const BOOT = /^[a-p]+$/;

function bad(message: string): never {
  throw new QemuError('QEMU_BAD_ARGUMENT', message);
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    bad(`${what} ${value} is not a positive whole number`);
  }
  return value;
}

function port(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > 65_535) {
    bad(`${what} ${value} is not a TCP port (1-65535)`);
  }
  return value;
}

/** A MAC address in QEMU's local range, the same for the same vm and nic on every start. */
export function defaultMac(vmName: string, nicId: string): string {
  const hash = createHash('sha256').update(`${vmName}\0${nicId}`).digest();
  return [
    '52',
    '54',
    '00',
    ...[...hash.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0')),
  ].join(':');
}

/** The machine of a vm as {@link buildVmArgs} would start it. */
export function guestMachine(
  input: Pick<VmArgsInput, 'drives' | 'memoryMiB' | 'hardware'>,
): GuestMachine {
  const hw = input.hardware ?? {};
  return {
    machine: hw.machine ?? 'pc',
    accel: hw.accel ?? 'tcg',
    cpu: hw.cpu ?? (hw.accel === 'kvm' ? 'host' : 'default'),
    smp: hw.smp ?? 1,
    memoryMiB: input.memoryMiB,
    disks: input.drives.length,
    cdroms: hw.cdroms?.length ?? 0,
    nics: (hw.nics ?? []).map((n) => n.model ?? 'virtio-net-pci'),
  };
}

/**
 * What differs between the machine a state was saved on and the one it would be loaded into,
 * as `mem 256 MiB → 128 MiB` phrases; empty when a load can work.
 */
export function machineDifferences(saved: GuestMachine, now: GuestMachine): string[] {
  const out: string[] = [];
  const note = (what: string, a: string, b: string): void => {
    if (a !== b) out.push(`${what} ${a} → ${b}`);
  };
  note('machine', saved.machine, now.machine);
  note('accel', saved.accel, now.accel);
  note('cpu', saved.cpu, now.cpu);
  note('smp', String(saved.smp), String(now.smp));
  note('mem', `${saved.memoryMiB} MiB`, `${now.memoryMiB} MiB`);
  note('disks', String(saved.disks), String(now.disks));
  note('cdroms', String(saved.cdroms), String(now.cdroms));
  note('nics', saved.nics.join(' ') || 'none', now.nics.join(' ') || 'none');
  return out;
}

/** The drives with every name filled in, refusing what QEMU would refuse. */
function resolveDrives(input: readonly VmDrive[], seen: Set<string>): ResolvedVmDrive[] {
  return input.map((drive, index): ResolvedVmDrive => {
    const id = drive.id ?? `drv${index}`;
    const nodeName = drive.nodeName ?? `disk${index}`;
    if (!ID.test(id))
      bad(`drive id ${JSON.stringify(id)} must be a letter then letters, digits, -._`);
    if (!ID.test(nodeName) || nodeName.length > MAX_NODE_NAME) {
      bad(
        `node name ${JSON.stringify(nodeName)} must be a letter then up to 30 letters, digits, -._`,
      );
    }
    for (const name of [id, nodeName]) {
      if (seen.has(name)) bad(`drive name ${JSON.stringify(name)} is used twice`);
      seen.add(name);
    }
    if (drive.file === '') bad(`drive ${id} has an empty file name`);
    return { file: resolve(drive.file), id, nodeName };
  });
}

function checkName(value: string, what: string): string {
  if (!MODEL.test(value)) bad(`${what} ${JSON.stringify(value)} is not a name QEMU takes`);
  return value;
}

function checkId(id: string, what: string, seen: Set<string>): string {
  if (!ID.test(id)) bad(`${what} ${JSON.stringify(id)} must be a letter then letters, digits, -._`);
  if (seen.has(id)) bad(`${what} ${JSON.stringify(id)} is used twice`);
  seen.add(id);
  return id;
}

/** `-machine`, `-cpu`, `-smp`, `-m` and the direct kernel boot. */
function machineArgs(input: VmArgsInput): string[] {
  const hw = input.hardware ?? {};
  const accel = hw.accel ?? 'tcg';
  const args = ['-machine', `${checkName(hw.machine ?? 'pc', 'machine type')},accel=${accel}`];
  const cpu = hw.cpu ?? (accel === 'kvm' ? 'host' : undefined);
  if (cpu !== undefined) args.push('-cpu', checkName(cpu, 'cpu model'));
  if (hw.smp !== undefined && hw.smp !== 1) args.push('-smp', String(positive(hw.smp, 'smp')));
  args.push('-m', String(positive(input.memoryMiB, 'memory (MiB)')));
  if (hw.kernel !== undefined) {
    if (hw.kernel === '') bad('the kernel file name is empty');
    args.push('-kernel', resolve(hw.kernel));
    if (hw.initrd !== undefined) args.push('-initrd', resolve(hw.initrd));
    if (hw.kernelParams !== undefined) args.push('-append', hw.kernelParams);
  } else if (hw.initrd !== undefined || hw.kernelParams !== undefined) {
    bad('an initrd or kernel parameters need a kernel to boot');
  }
  return args;
}

/** CD-ROMs, network cards, the boot order. */
function deviceArgs(input: VmArgsInput, seen: Set<string>): string[] {
  const hw = input.hardware ?? {};
  const args: string[] = [];
  for (const cdrom of hw.cdroms ?? []) {
    const id = checkId(cdrom.id, 'cdrom', seen);
    if (cdrom.file === '') bad(`cdrom ${id} has an empty file name`);
    args.push(
      '-drive',
      `file=${escapeQemuOptionValue(resolve(cdrom.file))},format=raw,if=ide,media=cdrom,readonly=on,id=${id}`,
    );
  }
  const hostPorts = new Set<number>();
  for (const nic of hw.nics ?? []) {
    const id = checkId(nic.id, 'nic', seen);
    const forwards = (nic.forwards ?? []).map((f) => {
      const host = port(f.hostPort, `host port of ${id}`);
      if (hostPorts.has(host)) bad(`host port ${host} is forwarded twice`);
      hostPorts.add(host);
      return `,hostfwd=tcp:127.0.0.1:${host}-:${port(f.guestPort, `guest port of ${id}`)}`;
    });
    args.push('-netdev', `user,id=${id}${forwards.join('')}`);
    const mac = nic.mac ?? defaultMac(input.name ?? '', id);
    if (!MAC.test(mac)) bad(`MAC address ${JSON.stringify(mac)} of ${id} is not xx:xx:xx:xx:xx:xx`);
    const model = checkName(nic.model ?? 'virtio-net-pci', `model of ${id}`);
    args.push('-device', `${model},netdev=${id},mac=${mac}`);
  }
  const boot: string[] = [];
  for (const [key, value] of [
    ['order', hw.bootOrder],
    ['once', hw.bootOnce],
  ] as const) {
    if (value === undefined) continue;
    if (!BOOT.test(value))
      bad(`boot ${key} ${JSON.stringify(value)} must be drive letters (c, d, n)`);
    boot.push(`${key}=${value}`);
  }
  if (boot.length > 0) args.push('-boot', boot.join(','));
  return args;
}

/** The serial console and the guest agent channel, both unix sockets QEMU serves. */
function channelArgs(input: VmArgsInput): string[] {
  const args: string[] = [];
  if (input.serial !== undefined) {
    const socket = escapeQemuOptionValue(input.serial.socket);
    const log = escapeQemuOptionValue(input.serial.log);
    args.push(
      '-chardev',
      `socket,id=serial0,path=${socket},server=on,wait=off,logfile=${log},logappend=on`,
      '-serial',
      'chardev:serial0',
    );
  }
  if (input.agentSocket !== undefined) {
    args.push(
      '-device',
      'virtio-serial-pci,id=vser0',
      '-chardev',
      `socket,id=qga0,path=${escapeQemuOptionValue(input.agentSocket)},server=on,wait=off`,
      '-device',
      `virtserialport,bus=vser0.0,chardev=qga0,name=${GUEST_AGENT_PORT}`,
    );
  }
  return args;
}

/**
 * The `qemu-system-x86_64` arguments of a headless vm: the machine and accelerator (TCG
 * unless the hardware says KVM), no default devices, the drives as virtio qcow2 with drive ids
 * and node names, CD-ROMs, network cards, the serial console and agent channel when asked for,
 * QMP on a unix socket, a pid file. File names are escaped for QEMU's option syntax (`,` →
 * `,,`); values QEMU would refuse are refused here with `QEMU_BAD_ARGUMENT`.
 */
export function buildVmArgs(input: VmArgsInput): { args: string[]; drives: ResolvedVmDrive[] } {
  const args = machineArgs(input);
  args.push('-nodefaults', '-no-user-config', '-display', 'none');
  if (input.name !== undefined) args.push('-name', `guest=${escapeQemuOptionValue(input.name)}`);
  const seen = new Set<string>();
  const drives = resolveDrives(input.drives, seen);
  for (const drive of drives) {
    const file = escapeQemuOptionValue(drive.file);
    args.push(
      '-drive',
      `file=${file},format=qcow2,if=virtio,id=${drive.id},node-name=${drive.nodeName}`,
    );
  }
  args.push(...deviceArgs(input, seen), ...channelArgs(input));
  args.push('-qmp', `unix:${escapeQemuOptionValue(input.qmpSocket)},server=on,wait=off`);
  args.push('-pidfile', input.pidFile);
  if (input.paused) args.push('-S');
  if (input.incoming !== undefined) args.push('-incoming', input.incoming);
  args.push(...(input.extraArgs ?? []));
  return { args, drives };
}

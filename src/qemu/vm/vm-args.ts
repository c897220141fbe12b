/**
 * The `qemu-system-x86_64` command line of a vm, built as an argument array with every value
 * escaped for QEMU's option syntax.
 */
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

/** Everything {@link buildVmArgs} needs. */
export interface VmArgsInput {
  /** The qcow2 disks, in order. */
  drives: readonly VmDrive[];
  /** Guest RAM in MiB. */
  memoryMiB: number;
  /** Path of the QMP unix socket QEMU creates. */
  qmpSocket: string;
  /** Path of the pid file QEMU writes. */
  pidFile: string;
  /** Start with the CPUs stopped (`-S`). */
  paused: boolean;
  /** Guest name shown by `ps` and `query-name`. */
  name?: string | undefined;
  /** Appended unchanged, after cartograph's own arguments. */
  extraArgs?: readonly string[] | undefined;
}

// QEMU's rule for ids (id_wellformed); node names are also limited to 31 characters.
const ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const MAX_NODE_NAME = 31;

function bad(message: string): never {
  throw new QemuError('QEMU_BAD_ARGUMENT', message);
}

/**
 * The `qemu-system-x86_64` arguments for a headless TCG vm: `-machine pc,accel=tcg` (KVM is
 * slower in nested setups and may be absent), no default devices, the drives as virtio qcow2
 * with drive ids and node names, QMP on a unix socket, a pid file. File names are escaped for
 * QEMU's option syntax (`,` → `,,`); ids and node names that QEMU would refuse are refused here
 * with `QEMU_BAD_ARGUMENT`.
 */
export function buildVmArgs(input: VmArgsInput): { args: string[]; drives: ResolvedVmDrive[] } {
  if (!Number.isSafeInteger(input.memoryMiB) || input.memoryMiB <= 0) {
    bad(`memory ${input.memoryMiB} MiB is not a positive whole number`);
  }
  const args = ['-machine', 'pc,accel=tcg', '-m', String(input.memoryMiB)];
  args.push('-nodefaults', '-no-user-config', '-display', 'none');
  if (input.name !== undefined) args.push('-name', `guest=${escapeQemuOptionValue(input.name)}`);
  const seen = new Set<string>();
  const drives = input.drives.map((drive, index): ResolvedVmDrive => {
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
  for (const drive of drives) {
    const file = escapeQemuOptionValue(drive.file);
    args.push(
      '-drive',
      `file=${file},format=qcow2,if=virtio,id=${drive.id},node-name=${drive.nodeName}`,
    );
  }
  args.push('-qmp', `unix:${escapeQemuOptionValue(input.qmpSocket)},server=on,wait=off`);
  args.push('-pidfile', input.pidFile);
  if (input.paused) args.push('-S');
  args.push(...(input.extraArgs ?? []));
  return { args, drives };
}

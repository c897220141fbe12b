/**
 * A vm's hardware from its params, with avocado-vt's names: `accel`, `machine_type`,
 * `cpu_model`, `smp`, `mem`, direct kernel boot (`kernel`, `initrd`, `kernel_params`),
 * `cdroms` with `cdrom_<cd>`, `boot_order` / `boot_once`, `nics` with `nic_model` and
 * `guest_forwards`, and `qemu_extra_args` as the escape hatch. Every value is checked here,
 * before a vm starts, and a bad one is a config error that names the parameter and the vm.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { VmHardware, VmNic } from '../../qemu/index.js';
import type { Params } from '../../params/index.js';
import type { VmTarget } from '../target.js';

/** Guest RAM when `mem` is not set: small guests make savevm/loadvm fast. */
export const DEFAULT_MEM_MIB = 64;

/** What {@link vmHardware} reads from a vm's params. */
export interface VmHardwareSpec {
  readonly memoryMiB: number;
  readonly hardware: VmHardware;
  /** `qemu_extra_args`, split into arguments (never through a shell). */
  readonly extraArgs: readonly string[];
}

const ACCELS = ['auto', 'kvm', 'tcg'] as const;
type AccelParam = (typeof ACCELS)[number];

let kvmVerdict: boolean | undefined;

/**
 * Whether KVM is worth using on this host: `/dev/kvm` can be opened for reading and writing,
 * and the CPU exposes hardware virtualisation (`vmx` or `svm`). A nested host can offer a
 * working `/dev/kvm` without them, emulating it hundreds of times slower than TCG (measured:
 * qemu-notes.md §7), so `auto` takes TCG there.
 */
export function kvmUsable(): boolean {
  kvmVerdict ??= kvmDeviceUsable() && /^flags\s*:.*\b(?:vmx|svm)\b/m.test(cpuInfo());
  return kvmVerdict;
}

function kvmDeviceUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function cpuInfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** The accelerator `accel` asks for on this host; an explicit `kvm` without `/dev/kvm` fails. */
export function resolveAccel(wanted: AccelParam, vm: string): 'kvm' | 'tcg' {
  if (wanted === 'tcg') return 'tcg';
  if (wanted === 'auto') return kvmUsable() ? 'kvm' : 'tcg';
  if (!kvmDeviceUsable()) {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `accel = kvm of ${vm}: /dev/kvm is missing or not readable and writable here`,
      { hint: 'use accel = auto (KVM where the host has it, else TCG) or accel = tcg' },
    );
  }
  return 'kvm';
}

/**
 * Splits `qemu_extra_args` into arguments the way a POSIX shell splits words, with quotes
 * (`'…'`, `"…"`) and backslashes, but nothing else: no variables, globs or commands, since the
 * arguments go to QEMU as an array and never through a shell.
 */
export function splitArgs(text: string, what: string): string[] {
  const args: string[] = [];
  let word = '';
  // Whether a word has begun: '' is a word of its own when quoted ("").
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && next !== '' && '"\\$`'.includes(next)) {
        word += next;
        i++;
      } else word += c;
    } else if (c === "'" || c === '"') {
      inWord = true;
      quote = c;
    } else if (c === '\\' && next !== '') {
      inWord = true;
      word += next;
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      word += c;
    }
  }
  if (quote !== undefined) {
    throw new ConfigError('CFG_BAD_VALUE', `${what}: a ${quote} is never closed`);
  }
  if (inWord) args.push(word);
  return args;
}

/** A reader of one vm's params that names the parameter and the vm in every error. */
class HardwareParams {
  constructor(
    private readonly params: Params,
    private readonly vm: string,
    private readonly cwd: string,
  ) {}

  bad(key: string, value: string, why: string, hint?: string): never {
    throw new ConfigError(
      'CFG_BAD_VALUE',
      `${key} = ${JSON.stringify(value)} of ${this.vm}: ${why}`,
      hint === undefined ? {} : { hint },
    );
  }

  text(key: string, params = this.params): string | undefined {
    const v = params.get(key);
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  /** A whole number in `[min, max]`. */
  count(key: string, fallback: number, min: number, max: number): number {
    const v = this.text(key);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) this.bad(key, v, 'expected a whole number');
    const n = Number(v);
    if (n < min || n > max) this.bad(key, v, `expected ${min} to ${max}`);
    return n;
  }

  /** `mem`: MiB, or a size with a unit (`512M`, `1G`). */
  memory(): number {
    const v = this.text('mem');
    if (v === undefined) return DEFAULT_MEM_MIB;
    const m = /^(\d+)\s*([MG]i?B?)?$/i.exec(v);
    if (m === null) this.bad('mem', v, 'expected MiB (256) or a size (256M, 1G)');
    const n = Number(m[1]) * (/^g/i.test(m[2] ?? '') ? 1024 : 1);
    // 64 MiB guests do not boot (linux-guest.md); the bound is QEMU's own on x86_64.
    if (n < 1 || n > 4 * 1024 * 1024) this.bad('mem', v, 'expected 1 MiB to 4 TiB');
    return n;
  }

  /** A file that must exist (a kernel, an ISO), resolved against the working directory. */
  file(key: string, params = this.params): string | undefined {
    const v = this.text(key, params);
    if (v === undefined) return undefined;
    const path = resolve(this.cwd, v);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      this.bad(key, v, `there is no file ${path}`);
    }
    if (!isFile) this.bad(key, v, `${path} is not a file`);
    return path;
  }

  /** A name QEMU takes (machine type, CPU model, device model). */
  name(key: string, params = this.params): string | undefined {
    const v = this.text(key, params);
    if (v !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.+=,-]*$/.test(v)) {
      this.bad(key, v, 'not a name QEMU takes (letters, digits, _.+=,-)');
    }
    return v;
  }

  /** Object names listed in `key` (`cdroms`, `nics`), each usable as a QEMU id. */
  objects(key: string): string[] {
    const names = this.params.objects(key);
    for (const n of names) {
      if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(n)) {
        this.bad(key, n, 'each name must be a letter then letters, digits, _.-');
      }
    }
    return names;
  }

  ports(key: string, params: Params): number[] {
    const v = this.text(key, params);
    if (v === undefined) return [];
    return v.split(/\s+/).map((p) => {
      if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65_535) {
        this.bad(key, v, `${p} is not a TCP port (1-65535)`);
      }
      return Number(p);
    });
  }

  boot(key: string): string | undefined {
    const v = this.text(key);
    if (v !== undefined && !/^[cdn]+$/.test(v)) {
      this.bad(key, v, 'expected drive letters: c (disk), d (cdrom), n (network)');
    }
    return v;
  }

  nics(): VmNic[] {
    const nics = this.objects('nics').map((id, index): VmNic => {
      const p = this.params.objectParams(id);
      const forwards = this.ports('guest_forwards', p)
        // Only the first nic takes the vm-wide guest_forwards; others name their own.
        .filter(() => index === 0 || this.text(`guest_forwards_${id}`) !== undefined)
        .map((guestPort) => ({ guestPort, hostPort: 0 }));
      const mac = this.text('mac', p);
      if (mac !== undefined && !/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i.test(mac)) {
        this.bad(`mac_${id}`, mac, 'expected xx:xx:xx:xx:xx:xx');
      }
      return { id, model: nicModel(this.name('nic_model', p)), mac, forwards };
    });
    const forwards = this.text('guest_forwards');
    if (forwards !== undefined && nics.length === 0) {
      this.bad(
        'guest_forwards',
        forwards,
        'the vm has no network card to forward to',
        'add nics = nic1',
      );
    }
    return nics;
  }
}

/** avocado-vt's nic models (`virtio`, `e1000`, `rtl8139`) as QEMU device names. */
function nicModel(model: string | undefined): string {
  if (model === undefined || model === 'virtio') return 'virtio-net-pci';
  return model;
}

/** The hardware of a vm target, from its params; see the module comment for the names. */
export function vmHardware(target: VmTarget, cwd: string): VmHardwareSpec {
  const p: HardwareParams = new HardwareParams(target.params, target.id, cwd);
  const accelText = p.text('accel') ?? 'auto';
  if (!(ACCELS as readonly string[]).includes(accelText)) {
    p.bad('accel', accelText, 'expected auto, kvm or tcg');
  }
  const accel = resolveAccel(accelText as AccelParam, target.id);
  const kernel = p.file('kernel');
  for (const key of ['initrd', 'kernel_params']) {
    const v = p.text(key);
    if (v !== undefined && kernel === undefined) {
      p.bad(key, v, 'needs a kernel to boot (kernel = FILE)');
    }
  }
  const hardware: VmHardware = {
    accel,
    machine: p.name('machine_type') ?? 'pc',
    cpu: p.name('cpu_model'),
    smp: p.count('smp', 1, 1, 255),
    kernel,
    initrd: p.file('initrd'),
    kernelParams: p.text('kernel_params'),
    cdroms: p.objects('cdroms').map((id) => {
      const file = p.file(`cdrom_${id}`);
      if (file === undefined) p.bad('cdroms', id, `cdrom_${id} names no ISO file`);
      return { id, file };
    }),
    bootOrder: p.boot('boot_order'),
    bootOnce: p.boot('boot_once'),
    nics: p.nics(),
  };
  const extra = p.text('qemu_extra_args');
  return {
    memoryMiB: p.memory(),
    hardware,
    extraArgs: extra === undefined ? [] : splitArgs(extra, `qemu_extra_args of ${target.id}`),
  };
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import { kvmUsable, splitArgs, vmHardware } from '../../../../src/states/vms/hardware.js';
import { imageTarget, vmTarget } from '../../../helpers/states-targets.js';

const cwd = mkdtempSync(join(tmpdir(), 'cartograph-hw-'));
writeFileSync(join(cwd, 'vmlinuz'), 'k');
writeFileSync(join(cwd, 'install.iso'), 'i');

const vm = (params: Record<string, string>) =>
  vmTarget(params, [imageTarget({ image_name: 'disk' })]);

function problem(params: Record<string, string>): string {
  try {
    vmHardware(vm(params), cwd);
  } catch (error) {
    if (error instanceof ConfigError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe('vmHardware', () => {
  it('reads avocado-vt names into hardware, with TCG unless asked (and where KVM is usable)', () => {
    const spec = vmHardware(
      vm({
        accel: 'tcg',
        mem: '256',
        smp: '2',
        machine_type: 'q35',
        cpu_model: 'qemu64,+ssse3',
        kernel: 'vmlinuz',
        kernel_params: 'console=ttyS0',
        cdroms: 'cd1',
        cdrom_cd1: 'install.iso',
        boot_once: 'd',
        nics: 'nic1 nic2',
        nic_model_nic2: 'e1000',
        guest_forwards: '22 8080',
        qemu_extra_args: `-device "virtio-rng-pci,id=rng 0" -global 'a=b c'`,
      }),
      cwd,
    );
    expect(spec.memoryMiB).toBe(256);
    expect(spec.hardware).toMatchObject({
      accel: 'tcg',
      machine: 'q35',
      cpu: 'qemu64,+ssse3',
      smp: 2,
      kernel: join(cwd, 'vmlinuz'),
      kernelParams: 'console=ttyS0',
      cdroms: [{ id: 'cd1', file: join(cwd, 'install.iso') }],
      bootOnce: 'd',
      nics: [
        {
          id: 'nic1',
          model: 'virtio-net-pci',
          forwards: [
            { guestPort: 22, hostPort: 0 },
            { guestPort: 8080, hostPort: 0 },
          ],
        },
        { id: 'nic2', model: 'e1000', forwards: [] },
      ],
    });
    expect(spec.extraArgs).toEqual(['-device', 'virtio-rng-pci,id=rng 0', '-global', 'a=b c']);
    expect(vmHardware(vm({}), cwd)).toMatchObject({
      memoryMiB: 64,
      hardware: { accel: kvmUsable() ? 'kvm' : 'tcg', machine: 'pc', smp: 1 },
    });
    expect(vmHardware(vm({ mem: '1G' }), cwd).memoryMiB).toBe(1024);
  });

  it('refuses bad values before anything starts, naming the parameter and the vm', () => {
    expect(problem({ accel: 'xen' })).toMatch(
      /^CFG_BAD_VALUE: accel = "xen" of vm1: expected auto/,
    );
    expect(problem({ mem: 'lots' })).toMatch(/^CFG_BAD_VALUE: mem = "lots" of vm1/);
    expect(problem({ smp: '0' })).toMatch(/^CFG_BAD_VALUE: smp = "0" of vm1: expected 1 to 255/);
    expect(problem({ kernel: 'nope' })).toMatch(
      /^CFG_BAD_VALUE: kernel = "nope" of vm1: there is no file/,
    );
    expect(problem({ kernel: '.' })).toMatch(/is not a file/);
    expect(problem({ initrd: 'vmlinuz' })).toMatch(/initrd = "vmlinuz" of vm1: needs a kernel/);
    expect(problem({ cdroms: 'cd1' })).toMatch(/cdrom_cd1 names no ISO file/);
    expect(problem({ boot_order: 'x' })).toMatch(/boot_order = "x" of vm1: expected drive letters/);
    expect(problem({ nics: 'nic1', guest_forwards: '22 http' })).toMatch(/http is not a TCP port/);
    expect(problem({ guest_forwards: '22' })).toMatch(/no network card/);
    expect(problem({ machine_type: 'pc;rm' })).toMatch(/not a name QEMU takes/);
    expect(problem({ qemu_extra_args: '-name "x' })).toMatch(/never closed/);
  });
});

describe('splitArgs', () => {
  it('splits words with quotes and backslashes, expanding nothing', () => {
    expect(splitArgs(`a  'b c' "d \\"e\\"" f\\ g '' $HOME \`x\` ;`, 'x')).toEqual([
      'a',
      'b c',
      'd "e"',
      'f g',
      '',
      '$HOME',
      '`x`',
      ';',
    ]);
    expect(splitArgs('', 'x')).toEqual([]);
  });
});

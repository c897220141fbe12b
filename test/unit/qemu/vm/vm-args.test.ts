import { describe, expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import {
  buildVmArgs,
  guestMachine,
  machineDifferences,
  type VmHardware,
} from '../../../../src/qemu/vm/vm-args.js';

const base = { memoryMiB: 64, qmpSocket: '/r/qmp.sock', pidFile: '/r/qemu.pid', paused: false };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isQemuError(error) ? error.code : 'not a QemuError';
  }
  return undefined;
}

describe('buildVmArgs', () => {
  it('builds a headless TCG command line with named virtio qcow2 drives', () => {
    const { args, drives } = buildVmArgs({
      ...base,
      paused: true,
      drives: [{ file: '/i/a.qcow2' }, { file: '/i/b.qcow2', id: 'data', nodeName: 'data-node' }],
    });
    expect(args).toEqual([
      '-machine',
      'pc,accel=tcg',
      '-m',
      '64',
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-drive',
      'file=/i/a.qcow2,format=qcow2,if=virtio,id=drv0,node-name=disk0',
      '-drive',
      'file=/i/b.qcow2,format=qcow2,if=virtio,id=data,node-name=data-node',
      '-qmp',
      'unix:/r/qmp.sock,server=on,wait=off',
      '-pidfile',
      '/r/qemu.pid',
      '-S',
    ]);
    expect(drives).toEqual([
      { file: '/i/a.qcow2', id: 'drv0', nodeName: 'disk0' },
      { file: '/i/b.qcow2', id: 'data', nodeName: 'data-node' },
    ]);
  });

  it('escapes commas the QEMU way and makes file names absolute', () => {
    const { args, drives } = buildVmArgs({
      ...base,
      qmpSocket: '/r,x/qmp.sock',
      name: 'vm,1',
      drives: [{ file: 'rel/a,b.qcow2' }],
      extraArgs: ['-smp', '2'],
    });
    expect(drives[0]?.file).toBe(`${process.cwd()}/rel/a,b.qcow2`);
    expect(args).toContain(
      `file=${process.cwd()}/rel/a,,b.qcow2,format=qcow2,if=virtio,id=drv0,node-name=disk0`,
    );
    expect(args).toContain('unix:/r,,x/qmp.sock,server=on,wait=off');
    expect(args).toContain('guest=vm,,1');
    expect(args.slice(-2)).toEqual(['-smp', '2']);
    expect(args).not.toContain('-S');
  });

  it('refuses ids and node names QEMU would refuse, and duplicates', () => {
    expect(codeOf(() => buildVmArgs({ ...base, drives: [{ file: '/a', id: 'a,b' }] }))).toBe(
      'QEMU_BAD_ARGUMENT',
    );
    expect(
      codeOf(() => buildVmArgs({ ...base, drives: [{ file: '/a', nodeName: '1disk' }] })),
    ).toBe('QEMU_BAD_ARGUMENT');
    expect(
      codeOf(() => buildVmArgs({ ...base, drives: [{ file: '/a', nodeName: 'n'.repeat(32) }] })),
    ).toBe('QEMU_BAD_ARGUMENT');
    expect(
      codeOf(() =>
        buildVmArgs({
          ...base,
          drives: [
            { file: '/a', id: 'x' },
            { file: '/b', id: 'x' },
          ],
        }),
      ),
    ).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(() => buildVmArgs({ ...base, memoryMiB: 0, drives: [] }))).toBe(
      'QEMU_BAD_ARGUMENT',
    );
    expect(codeOf(() => buildVmArgs({ ...base, drives: [{ file: '' }] }))).toBe(
      'QEMU_BAD_ARGUMENT',
    );
  });
});

describe('buildVmArgs: hardware', () => {
  it('puts machine, accelerator, CPUs, kernel, CD-ROMs, nics and channels on the command line', () => {
    const { args } = buildVmArgs({
      ...base,
      name: 'vm1',
      drives: [{ file: '/i/a.qcow2' }],
      hardware: {
        accel: 'kvm',
        machine: 'q35',
        smp: 2,
        kernel: '/k/vmlinuz',
        initrd: '/k/initrd.gz',
        kernelParams: 'console=ttyS0 root=/dev/vda',
        cdroms: [{ id: 'cd1', file: '/iso/x,y.iso' }],
        bootOrder: 'dc',
        nics: [{ id: 'nic1', forwards: [{ guestPort: 22, hostPort: 4022 }] }],
      },
      serial: { socket: '/r/serial.sock', log: '/r/console.log' },
      agentSocket: '/r/qga.sock',
      incoming: 'exec:cat /p/ready.vmstate',
    });
    const after = (flag: string): string[] =>
      args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
    expect(after('-machine')).toEqual(['q35,accel=kvm']);
    // KVM passes the host CPU through unless a model is asked for.
    expect(after('-cpu')).toEqual(['host']);
    expect(after('-smp')).toEqual(['2']);
    expect(after('-kernel')).toEqual(['/k/vmlinuz']);
    expect(after('-initrd')).toEqual(['/k/initrd.gz']);
    expect(after('-append')).toEqual(['console=ttyS0 root=/dev/vda']);
    expect(after('-drive')).toContain(
      'file=/iso/x,,y.iso,format=raw,if=ide,media=cdrom,readonly=on,id=cd1',
    );
    expect(after('-boot')).toEqual(['order=dc']);
    expect(after('-netdev')).toEqual(['user,id=nic1,hostfwd=tcp:127.0.0.1:4022-:22']);
    expect(after('-device')).toEqual([
      expect.stringMatching(/^virtio-net-pci,netdev=nic1,mac=52:54:00(:[0-9a-f]{2}){3}$/),
      'virtio-serial-pci,id=vser0',
      'virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0',
    ]);
    expect(after('-chardev')).toEqual([
      'socket,id=serial0,path=/r/serial.sock,server=on,wait=off,logfile=/r/console.log,logappend=on',
      'socket,id=qga0,path=/r/qga.sock,server=on,wait=off',
    ]);
    expect(after('-serial')).toEqual(['chardev:serial0']);
    expect(after('-incoming')).toEqual(['exec:cat /p/ready.vmstate']);
  });

  it('gives a nic the same MAC on every start, and another vm another one', () => {
    const mac = (name: string) =>
      buildVmArgs({ ...base, name, drives: [], hardware: { nics: [{ id: 'nic1' }] } }).args.find(
        (a) => a.startsWith('virtio-net-pci'),
      );
    expect(mac('vm1')).toBe(mac('vm1'));
    expect(mac('vm1')).not.toBe(mac('vm2'));
  });

  it('refuses what QEMU would refuse, naming it', () => {
    const hw = (hardware: VmHardware) => () => buildVmArgs({ ...base, drives: [], hardware });
    expect(codeOf(hw({ smp: 0 }))).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(hw({ machine: 'pc accel' }))).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(hw({ initrd: '/i' }))).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(hw({ bootOrder: 'c;d' }))).toBe('QEMU_BAD_ARGUMENT');
    expect(
      codeOf(hw({ nics: [{ id: 'n1', forwards: [{ guestPort: 22, hostPort: 70000 }] }] })),
    ).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(hw({ nics: [{ id: 'n1' }, { id: 'n1' }] }))).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(hw({ nics: [{ id: 'n1', mac: 'zz' }] }))).toBe('QEMU_BAD_ARGUMENT');
  });
});

describe('machineDifferences', () => {
  it('names what a saved state and a vm disagree on', () => {
    const saved = guestMachine({ drives: [{ file: '/a' }], memoryMiB: 256 });
    expect(machineDifferences(saved, saved)).toEqual([]);
    const now = guestMachine({
      drives: [{ file: '/a' }],
      memoryMiB: 128,
      hardware: { smp: 2, nics: [{ id: 'nic1' }] },
    });
    expect(machineDifferences(saved, now)).toEqual([
      'smp 1 → 2',
      'mem 256 MiB → 128 MiB',
      'nics none → virtio-net-pci',
    ]);
  });
});

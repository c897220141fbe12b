import { describe, expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import { buildVmArgs } from '../../../../src/qemu/vm/vm-args.js';

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

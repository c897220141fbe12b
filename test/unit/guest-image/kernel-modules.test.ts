import { describe, expect, it } from 'vitest';
import {
  moduleLoadOrder,
  moduleName,
  parseModulesBuiltin,
} from '../../../src/guest-image/kernel-modules.js';

// The dependencies of the cloud kernel's virtio modules (6.1, from their .modinfo).
const CLOUD = new Map<string, string[]>([
  ['virtio_pci', ['virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio', 'virtio_ring']],
  ['virtio_pci_modern_dev', []],
  ['virtio_pci_legacy_dev', []],
  ['virtio', []],
  ['virtio_ring', []],
  ['virtio_blk', ['virtio', 'virtio_ring']],
  ['virtio_net', ['net_failover', 'virtio', 'virtio_ring']],
  ['net_failover', ['failover']],
  ['failover', []],
  ['virtio_console', ['virtio', 'virtio_ring']],
]);

describe('moduleLoadOrder', () => {
  it('puts every module after the modules it depends on, each once', () => {
    const order = moduleLoadOrder(
      ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_console'],
      CLOUD,
    );
    expect(new Set(order).size).toBe(order.length);
    expect(order).toHaveLength(CLOUD.size);
    for (const [name, deps] of CLOUD) {
      for (const dep of deps) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(name));
    }
    expect(order.slice(0, 5)).toEqual([
      'virtio_pci_modern_dev',
      'virtio_pci_legacy_dev',
      'virtio',
      'virtio_ring',
      'virtio_pci',
    ]);
  });

  it('leaves out built-in modules, also as dependencies', () => {
    const order = moduleLoadOrder(['virtio_net', 'ext4'], CLOUD, new Set(['ext4', 'failover']));
    expect(order).toEqual(['net_failover', 'virtio', 'virtio_ring', 'virtio_net']);
  });

  it('treats - and _ in module names alike', () => {
    const deps = new Map([
      ['virtio_rng', ['virtio']],
      ['virtio', []],
    ]);
    expect(moduleLoadOrder(['virtio-rng'], deps)).toEqual(['virtio', 'virtio_rng']);
  });

  it('names a missing module and who needs it', () => {
    const deps = new Map([['virtio_blk', ['virtio']]]);
    expect(() => moduleLoadOrder(['virtio_blk'], deps)).toThrow(/virtio .*virtio_blk/);
    expect(() => moduleLoadOrder(['nope'], deps)).toThrow(
      expect.objectContaining({ code: 'GUEST_BUILD' }),
    );
  });

  it('refuses a dependency cycle', () => {
    const deps = new Map([
      ['a', ['b']],
      ['b', ['a']],
    ]);
    expect(() => moduleLoadOrder(['a'], deps)).toThrow(/cycle: a → b → a/);
  });
});

describe('module names', () => {
  it('takes the name from a path and writes - as _', () => {
    expect(moduleName('kernel/drivers/char/hw_random/virtio-rng.ko')).toBe('virtio_rng');
    expect(moduleName('virtio_blk')).toBe('virtio_blk');
  });

  it('reads modules.builtin', () => {
    expect(parseModulesBuiltin('kernel/fs/ext4/ext4.ko\nkernel/lib/crc16.ko\n\n')).toEqual(
      new Set(['ext4', 'crc16']),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import { parseImageInfo } from '../../../../src/qemu/img/image-info.js';

// Shapes of `qemu-img info --output=json` in QEMU 7.2 (../shared/qemu-notes.md §3, §6).
const withSnapshots = {
  snapshots: [
    {
      icount: 0,
      'vm-clock-nsec': 0,
      name: 's2-after.cd',
      'date-sec': 1795632997,
      'date-nsec': 342268000,
      'vm-clock-sec': 0,
      id: '2',
      'vm-state-size': 0,
    },
    {
      'vm-clock-nsec': 301000000,
      name: 'tag with space',
      'date-sec': 1795633000,
      'date-nsec': 1,
      'vm-clock-sec': 1,
      id: '3',
      'vm-state-size': 506896,
    },
  ],
  'virtual-size': 67108864,
  filename: 'a.qcow2',
  'cluster-size': 65536,
  format: 'qcow2',
  'actual-size': 10780672,
  'format-specific': {
    type: 'qcow2',
    data: {
      compat: '1.1',
      'compression-type': 'zlib',
      'lazy-refcounts': false,
      'refcount-bits': 16,
      corrupt: false,
      'extended-l2': false,
    },
  },
  'dirty-flag': false,
};

describe('parseImageInfo', () => {
  it('reads sizes, qcow2 details and snapshots with string ids and vm state sizes', () => {
    const info = parseImageInfo(withSnapshots);
    expect(info).toMatchObject({
      filename: 'a.qcow2',
      format: 'qcow2',
      virtualSize: 67108864,
      actualSize: 10780672,
      clusterSize: 65536,
      dirty: false,
      qcow2: { compat: '1.1', compressionType: 'zlib', corrupt: false, refcountBits: 16 },
    });
    expect(info.snapshots).toEqual([
      {
        id: '2',
        name: 's2-after.cd',
        vmStateSize: 0,
        dateSec: 1795632997,
        dateNsec: 342268000,
        vmClockSec: 0,
        vmClockNsec: 0,
        icount: 0,
      },
      {
        id: '3',
        name: 'tag with space',
        vmStateSize: 506896,
        dateSec: 1795633000,
        dateNsec: 1,
        vmClockSec: 1,
        vmClockNsec: 301000000,
      },
    ]);
    expect(info.backingFilename).toBeUndefined();
  });

  it('turns a missing snapshots key into []', () => {
    const noSnapshots: Record<string, unknown> = { ...withSnapshots };
    delete noSnapshots.snapshots;
    expect(parseImageInfo(noSnapshots).snapshots).toEqual([]);
  });

  it('reads the backing file fields of an overlay', () => {
    const info = parseImageInfo({
      'backing-filename-format': 'qcow2',
      'virtual-size': 67108864,
      filename: '/dir/top.qcow2',
      format: 'qcow2',
      'full-backing-filename': '/dir/base.qcow2',
      'backing-filename': 'base.qcow2',
      'dirty-flag': false,
    });
    expect(info).toMatchObject({
      backingFilename: 'base.qcow2',
      fullBackingFilename: '/dir/base.qcow2',
      backingFormat: 'qcow2',
      snapshots: [],
    });
  });

  it('refuses shapes it does not know with QEMU_FAILED', () => {
    for (const bad of [
      null,
      [],
      { filename: 'x', format: 'qcow2' },
      { ...withSnapshots, snapshots: {} },
      { ...withSnapshots, snapshots: [{ id: 2, name: 'x' }] },
    ]) {
      let error: unknown;
      try {
        parseImageInfo(bad);
      } catch (e) {
        error = e;
      }
      expect(isQemuError(error, 'QEMU_FAILED')).toBe(true);
    }
  });
});

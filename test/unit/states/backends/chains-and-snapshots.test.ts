import { describe, expect, it } from 'vitest';
import type { ImageInfo, SnapshotInfo } from '../../../../src/qemu/index.js';
import {
  completeVmStates,
  isDiskOnlySnapshot,
} from '../../../../src/states/backends/internal-snapshots.js';
import { describeBacking } from '../../../../src/states/backends/qcow2ext.js';
import { isStateName } from '../../../../src/states/ops/policy.js';
import { dependentsOf, type PoolState } from '../../../../src/states/pool/pool-files.js';

const state = (name: string, parent?: string): PoolState => ({
  name,
  file: `/p/${name}.qcow2`,
  backing: parent === undefined ? undefined : `/p/${parent}.qcow2`,
});

function snapshot(name: string, vmStateSize: number, icount?: number): SnapshotInfo {
  return {
    id: '1',
    name,
    vmStateSize,
    dateSec: 0,
    dateNsec: 0,
    vmClockSec: 0,
    vmClockNsec: 0,
    ...(icount === undefined ? {} : { icount }),
  };
}

const info = (snapshots: SnapshotInfo[]): ImageInfo => ({
  filename: 'x',
  format: 'qcow2',
  virtualSize: 1,
  dirty: false,
  snapshots,
});

describe('external chains', () => {
  it('finds every state built on one, deepest first', () => {
    const pool = [state('a'), state('b', 'a'), state('c', 'b'), state('d', 'a'), state('e')];
    expect(dependentsOf(pool, '/p/a.qcow2').map((s) => s.name)).toEqual(['c', 'd', 'b']);
    expect(dependentsOf(pool, '/p/b.qcow2').map((s) => s.name)).toEqual(['c']);
    expect(dependentsOf(pool, '/p/e.qcow2')).toEqual([]);
    // A loop (impossible for QEMU, possible for a damaged pool) does not hang.
    const loop = [state('x', 'y'), state('y', 'x')];
    expect(dependentsOf(loop, '/p/x.qcow2').map((s) => s.name)).toEqual(['y']);
  });

  it('describes backing files for messages', () => {
    expect(describeBacking('/p', '/p/base.qcow2')).toBe('state "base"');
    expect(describeBacking('/p', '/elsewhere/base.qcow2')).toBe('/elsewhere/base.qcow2');
    expect(describeBacking('/p', undefined)).toBe('nothing (it stands alone)');
  });
});

describe('snapshot tables', () => {
  it('tells image states from the entries a vm state leaves on each image (measured on 7.2)', () => {
    expect(isDiskOnlySnapshot(snapshot('s', 0, 0))).toBe(true);
    expect(isDiskOnlySnapshot(snapshot('v', 556832))).toBe(false);
    expect(isDiskOnlySnapshot(snapshot('v', 0))).toBe(false);
  });

  it('lists vm states with RAM on the first image and the tag on all others', () => {
    const first = info([snapshot('v', 500), snapshot('partial', 500), snapshot('disk', 0, 0)]);
    const second = info([snapshot('v', 0), snapshot('disk', 0, 0), snapshot('partial', 0, 0)]);
    expect(completeVmStates([first, second]).map((s) => s.name)).toEqual(['v']);
    expect(completeVmStates([first]).map((s) => s.name)).toEqual(['v', 'partial']);
    expect(completeVmStates([])).toEqual([]);
  });

  it('lists only names cartograph could have made', () => {
    expect(
      ['ok', 'ok.1-x_y', 'root', 'boot', '12', 'a b', 'x..y', '-x'].filter(isStateName),
    ).toEqual(['ok', 'ok.1-x_y']);
  });
});

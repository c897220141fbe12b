import { describe, expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import { parseCheckResult } from '../../../../src/qemu/img/check-image.js';

describe('parseCheckResult', () => {
  it('reads a clean image and fills omitted counts with 0', () => {
    expect(
      parseCheckResult(0, {
        'image-end-offset': 21561344,
        'total-clusters': 1024,
        'check-errors': 0,
        'allocated-clusters': 160,
        filename: 'a.qcow2',
        format: 'qcow2',
      }),
    ).toEqual({
      status: 'clean',
      exitCode: 0,
      filename: 'a.qcow2',
      format: 'qcow2',
      checkErrors: 0,
      corruptions: 0,
      leaks: 0,
      corruptionsFixed: 0,
      leaksFixed: 0,
      imageEndOffset: 21561344,
      totalClusters: 1024,
      allocatedClusters: 160,
    });
  });

  it('maps exit codes 2, 3 and 63 to results', () => {
    expect(parseCheckResult(3, { leaks: 1, 'check-errors': 0 })).toMatchObject({
      status: 'leaks',
      leaks: 1,
    });
    expect(parseCheckResult(0, { 'leaks-fixed': 2 })).toMatchObject({
      status: 'clean',
      leaksFixed: 2,
    });
    expect(parseCheckResult(2, { corruptions: 4, leaks: 1 })).toMatchObject({
      status: 'corrupt',
      corruptions: 4,
    });
    expect(parseCheckResult(63, undefined)).toMatchObject({ status: 'unsupported', exitCode: 63 });
  });

  it('refuses exit codes check does not document', () => {
    expect(() => parseCheckResult(1, {})).toThrow();
    let error: unknown;
    try {
      parseCheckResult(0, undefined);
    } catch (e) {
      error = e;
    }
    expect(isQemuError(error, 'QEMU_FAILED')).toBe(true);
  });
});

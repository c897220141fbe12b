import { describe, expect, it } from 'vitest';
import { classifyQemuFailure } from '../../../src/qemu/errors.js';

// Exact texts of QEMU 7.2 (../shared/qemu-notes.md §3, §4, §6).
describe('classifyQemuFailure', () => {
  it('finds the shared and the exclusive write lock and the image they name', () => {
    expect(
      classifyQemuFailure(
        `qemu-img: Could not open 'locked.qcow2': Failed to get shared "write" lock\nIs another process using the image [locked.qcow2]?\n`,
      ),
    ).toEqual({ code: 'QEMU_IMAGE_LOCKED', image: 'locked.qcow2' });
    expect(
      classifyQemuFailure(
        `qemu-io: can't open device /x/a b.qcow2: Failed to get "write" lock\nIs another process using the image [/x/a b.qcow2]?`,
      ),
    ).toEqual({ code: 'QEMU_IMAGE_LOCKED', image: '/x/a b.qcow2' });
    expect(classifyQemuFailure('Failed to get "write" lock')).toEqual({
      code: 'QEMU_IMAGE_LOCKED',
    });
  });

  it('names the file that is really missing, also a backing file behind the image', () => {
    expect(
      classifyQemuFailure(
        "qemu-img: Could not open '/t/none.qcow2': Could not open '/t/none.qcow2': No such file or directory",
      ),
    ).toEqual({ code: 'QEMU_IMAGE_MISSING', image: '/t/none.qcow2' });
    expect(
      classifyQemuFailure(
        "qemu-img: Could not open 'orphan.qcow2': Could not open backing file: Could not open '/x/gone.qcow2': No such file or directory",
      ),
    ).toEqual({ code: 'QEMU_IMAGE_MISSING', image: '/x/gone.qcow2' });
    expect(
      classifyQemuFailure(
        "qemu-img: Could not open 'driver=qcow2,file.driver=file,file.filename=/p/n.qcow2': Could not open '/p/n.qcow2': No such file or directory",
      ),
    ).toEqual({ code: 'QEMU_IMAGE_MISSING', image: '/p/n.qcow2' });
  });

  it('knows the missing-snapshot texts of qemu-img, convert -l, QMP jobs and HMP', () => {
    for (const text of [
      "qemu-img: Could not apply snapshot 'nosuch': Failed to load snapshot: No such file or directory",
      "qemu-img: Could not delete snapshot 'nosuch': snapshot not found",
      "qemu-img: Failed to load snapshot: Can't find snapshot",
      "Snapshot 'nosuch' does not exist in one or more devices",
      "Error: Snapshot 'nosuch' does not exist in one or more devices\r\n",
    ]) {
      expect(classifyQemuFailure(text)).toEqual({ code: 'QEMU_SNAPSHOT_MISSING' });
    }
  });

  it('knows an existing snapshot', () => {
    expect(
      classifyQemuFailure("Snapshot 'tag with space' already exists in one or more devices"),
    ).toEqual({ code: 'QEMU_SNAPSHOT_EXISTS' });
  });

  it('leaves everything else to QEMU_FAILED', () => {
    expect(
      classifyQemuFailure("qemu-img: Could not open 'g.qcow2': Image is not in qcow2 format"),
    ).toEqual({
      code: 'QEMU_FAILED',
    });
    // A missing target directory is not a missing image.
    expect(
      classifyQemuFailure(
        "qemu-img: /t/nodir/x.qcow2: Could not create '/t/nodir/x.qcow2': No such file or directory",
      ),
    ).toEqual({ code: 'QEMU_FAILED' });
    expect(classifyQemuFailure('')).toEqual({ code: 'QEMU_FAILED' });
  });
});

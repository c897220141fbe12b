import { describe, expect, it } from 'vitest';
import { hmpFailure } from '../../../../src/qemu/qmp/vm-snapshots.js';

// HMP return texts of QEMU 7.2 (../shared/qemu-notes.md §6 and probes).
describe('hmpFailure', () => {
  it('accepts empty returns and data of info/xp', () => {
    expect(hmpFailure('savevm s1', '')).toBeUndefined();
    expect(hmpFailure('loadvm s1', '')).toBeUndefined();
    expect(hmpFailure('xp /1wx 0x500', '0000000000000500: 0x1912b6bf\r\n')).toBeUndefined();
    expect(hmpFailure('info status', 'VM status: paused (prelaunch)\r\n')).toBeUndefined();
    expect(hmpFailure('info snapshots', 'There is no snapshot available.\r\n')).toBeUndefined();
  });

  it('treats any output of savevm/loadvm/delvm as failure', () => {
    expect(
      hmpFailure(
        'loadvm nosuch',
        "Error: Snapshot 'nosuch' does not exist in one or more devices\r\n",
      ),
    ).toEqual({
      code: 'QEMU_SNAPSHOT_MISSING',
      text: "Error: Snapshot 'nosuch' does not exist in one or more devices",
    });
    expect(
      hmpFailure(
        'loadvm d1',
        'Error: This is a disk-only snapshot. Revert to it  offline using qemu-img\r\n',
      ),
    ).toMatchObject({ code: 'QEMU_QMP' });
    expect(
      hmpFailure('savevm tag with space', 'savevm: extraneous characters at the end of line\r\n'),
    ).toMatchObject({ code: 'QEMU_QMP' });
    expect(
      hmpFailure(
        'loadvm 1',
        'Not a migration stream\r\nError: Error -22 while loading VM state\r\n',
      ),
    ).toMatchObject({ code: 'QEMU_QMP' });
    expect(hmpFailure('  delvm  x', 'something\r\n')).toMatchObject({ code: 'QEMU_QMP' });
  });

  it('finds error texts of any command', () => {
    expect(hmpFailure('nosuchcmd', "unknown command: 'nosuchcmd'\r\n")).toMatchObject({
      code: 'QEMU_QMP',
    });
    expect(
      hmpFailure('xp', 'xp: format expected\r\nTry "help xp" for more information\r\n'),
    ).toMatchObject({ code: 'QEMU_QMP' });
    expect(hmpFailure('cont', 'Error: resume failed\r\n')).toMatchObject({ code: 'QEMU_QMP' });
  });
});

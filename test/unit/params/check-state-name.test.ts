import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { checkObjectName, OBJECT_NAME_MAX_BYTES } from '../../../src/params/check-object-name.js';
import { checkStateName, STATE_NAME_MAX_BYTES } from '../../../src/params/check-state-name.js';
import { EXCLUSIVE_TEMP_EXTRA_BYTES, tempPath } from '../../../src/shared/fs.js';
import { stateRecord } from '../../../src/states/records/marker.js';

/** The name `tempPath` makes, with the largest pid Linux hands out (PID_MAX_LIMIT). */
const atMaxPid = (name: string): string =>
  name.replace(/\.\d+\.([0-9a-f]{8})\.tmp$/, '.4194304.$1.tmp');
const temp = (name: string): string => atMaxPid(basename(tempPath('/pool', name)));

/**
 * The bound is not a guess: every file name cartograph makes from a state name, built with
 * the real functions, must fit NAME_MAX (255 bytes) for a name of the bound's length.
 */
it('bounds state names by the longest file made from them (NAME_MAX 255)', () => {
  const s = 'x'.repeat(STATE_NAME_MAX_BYTES);
  const record = stateRecord('/pool', s);
  const names = [
    `${s}.qcow2`, // qcow2ext state file
    basename(record.manifest),
    basename(record.marker),
    temp(basename(record.manifest)), // writeJsonAtomic
    temp(basename(record.marker)),
    temp(`${s}.qcow2`), // publishActive, commitIntoState, popIntoActive
    temp(temp(`${s}.qcow2`)), // moveFile of that temporary across file systems
  ];
  const longest = Math.max(...names.map((n) => Buffer.byteLength(n)));
  expect(longest).toBe(255);
  expect(STATE_NAME_MAX_BYTES).toBe(205);
});

it('refuses state names past the bound, and keeps the message short', () => {
  expect(() => {
    checkStateName('a'.repeat(STATE_NAME_MAX_BYTES));
  }).not.toThrow();
  for (const n of [STATE_NAME_MAX_BYTES + 1, 300, 5000]) {
    let message = '';
    try {
      checkStateName('a'.repeat(n), 'set_state');
    } catch (e) {
      message = (e as Error).message;
      expect(e).toMatchObject({ code: 'CFG_BAD_VALUE' });
    }
    expect(message).toContain(`it is ${n} bytes, over the ${STATE_NAME_MAX_BYTES}`);
    expect(message.length).toBeLessThan(300);
  }
});

it('bounds object names by the temporary file of a vm lock (<id>.lock)', () => {
  const id = 'v'.repeat(OBJECT_NAME_MAX_BYTES);
  expect(Buffer.byteLength(`${id}.lock`) + EXCLUSIVE_TEMP_EXTRA_BYTES).toBe(255);
  expect(() => {
    checkObjectName(id, 'vm');
  }).not.toThrow();
  expect(() => {
    checkObjectName(`${id}v`, 'vm');
  }).toThrow(/over the 229 an object name may have/);
});

import { describe, expect, it } from 'vitest';
import { formatStateResult } from '../../../src/cli/format.js';
import { parseStateTokens } from '../../../src/cli/state-targets.js';
import { UsageError } from '../../../src/errors.js';

describe('state command tokens and result lines', () => {
  it('sorts vms=, only_<vm>=, no_<vm>= and assignments', () => {
    expect(
      parseStateTokens([
        'vms=vm1, vm2',
        'only_vm1=fedora',
        'only_vm1=x86',
        'no_vm2=ubuntu',
        'set_state_images=customize',
        'image_name=a=b',
        'empty=',
      ]),
    ).toEqual({
      vms: ['vm1', 'vm2'],
      only: new Map([['vm1', ['fedora', 'x86']]]),
      no: new Map([['vm2', ['ubuntu']]]),
      assignments: [
        ['set_state_images', 'customize'],
        ['image_name', 'a=b'],
        ['empty', ''],
      ],
    });
    for (const bad of ['oops', '=x', 'a b=c', '1x=y']) {
      expect(() => parseStateTokens([bad])).toThrow(UsageError);
    }
  });

  it('prints one line per result with the policy letter, the root and how', () => {
    expect(
      formatStateResult({
        op: 'set',
        target: 'vm1/image1',
        kind: 'images',
        state: 's',
        backend: 'qcow2ext',
        existed: false,
        policy: { param: 'set_mode', value: 'ff', letter: 'f' },
        action: 'created',
        root: {
          state: 'root',
          existed: false,
          action: 'created',
          policy: { param: 'check_mode', value: 'rf', letter: 'f' },
        },
        detail: 'moved',
        durationMs: 3,
      }),
    ).toBe(
      'vm1/image1: set s: created [set_mode ff: f]; root created [check_mode rf: f] (moved)\n',
    );
    expect(
      formatStateResult({
        op: 'set',
        via: 'push',
        target: 'vm1',
        kind: 'vms',
        state: 'root',
        backend: 'qcow2vt',
        existed: true,
        policy: { param: 'push_mode', value: 'af', letter: '' },
        action: 'skipped',
        durationMs: 0,
      }),
    ).toBe('vm1: set (push) root: skipped [push_mode af: -]\n');
  });
});

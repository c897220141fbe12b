import { describe, expect, it } from 'vitest';
import { CartographError } from '../../../../src/errors.js';
import { parsePolicy, POLICY_RULES, type PolicyKind } from '../../../../src/states/index.js';
import { imageTarget } from '../../../helpers/states-targets.js';

const LETTERS = ['r', 'f', 'a', 'i', 'x', 'R', ''];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (caught) {
    const error = caught as CartographError;
    return error instanceof CartographError ? error.code : 'not a CartographError';
  }
}

describe('two-letter policies', () => {
  it('has the letters of avocado-i2n states/setup.py', () => {
    expect(POLICY_RULES).toEqual({
      get: { exists: 'rai', missing: 'ai' },
      set: { exists: 'arf', missing: 'af' },
      unset: { exists: 'rf', missing: 'ai' },
      root: { exists: 'raf', missing: 'aif' },
    });
  });

  for (const kind of Object.keys(POLICY_RULES) as PolicyKind[]) {
    it(`accepts exactly the valid ${kind} letters at each position`, () => {
      const rules = POLICY_RULES[kind];
      for (const first of LETTERS) {
        for (const second of LETTERS) {
          const value = first + second;
          const target = imageTarget({ mode: value });
          const valid =
            value.length === 2 && rules.exists.includes(first) && rules.missing.includes(second);
          const code = codeOf(() => parsePolicy(target, kind, 'mode', 'xx'));
          expect(code, `${kind} "${value}"`).toBe(valid ? undefined : 'STATE_BAD_POLICY');
        }
      }
    });
  }

  it('uses the default when the parameter is unset and names parameter, value and object', () => {
    const target = imageTarget({ get_mode: 'ia' });
    expect(parsePolicy(target, 'get', 'get_mode', 'ra')).toEqual({
      param: 'get_mode',
      value: 'ia',
      exists: 'i',
      missing: 'a',
    });
    expect(parsePolicy(imageTarget({}), 'set', 'set_mode', 'ff').value).toBe('ff');
    let message = '';
    try {
      parsePolicy(
        imageTarget({ unset_mode: 'fx' }, { vmId: 'vm1-a' }),
        'unset',
        'unset_mode',
        'fi',
      );
    } catch (error) {
      message = (error as Error).message;
      expect((error as CartographError).hint).toContain('r (reuse), f (force)');
    }
    expect(message).toBe(
      'unset_mode = "fx" for vm1-a/image1: "x" is not a valid second letter (when the state is missing)',
    );
  });
});

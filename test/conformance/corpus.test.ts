import { describe, expect, it } from 'vitest';
import { CartographError } from '../../src/errors.js';
import { corpusAvailable, corpusDir, loadCases, runCase } from '../helpers/corpus.js';

// CI sets CARTOGRAPH_REQUIRE_CORPUS so that a missing corpus fails instead of skipping.
if (!corpusAvailable && process.env.CARTOGRAPH_REQUIRE_CORPUS) {
  throw new Error(`conformance corpus not found at ${corpusDir}`);
}

const cases = [...loadCases(), ...loadCases('fuzz')];

describe.skipIf(!corpusAvailable)('Cartesian conformance corpus', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  for (const c of cases) {
    it(c.name, () => {
      const result = runCase(c);
      if ('dicts' in c.expected) {
        expect(result.error).toBeUndefined();
        expect(result.outputs).toEqual(c.expected.dicts);
      } else {
        const exp = c.expected.error;
        // The reference failed: so must we, with one of our coded errors, never a crash,
        // after yielding exactly as many dicts as it did.
        expect(result.error).toBeInstanceOf(CartographError);
        expect(result.outputs.length).toBe(exp.dicts_before_error);
        const err = result.error as CartographError;
        if (typeof exp.linenum === 'number' && exp.linenum > 0) {
          expect(err.location?.line).toBe(exp.linenum);
        }
      }
    });
  }
});

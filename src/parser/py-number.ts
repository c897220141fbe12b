/**
 * Python's `int(str)` and `float(str)`, used by the `_max` / `_min` post-processing, which
 * compares values the way the reference does (underscores, surrounding spaces, `1e3`, `inf`).
 */
import { pyStrip } from './python-text.js';

const INT = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT =
  /^[+-]?(?:(?:\d+(?:_\d+)*)?\.\d+(?:_\d+)*|\d+(?:_\d+)*\.?)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** `int(s)`; undefined where Python raises ValueError. */
export function pyInt(s: string): bigint | undefined {
  const t = pyStrip(s);
  if (!INT.test(t)) return undefined;
  return BigInt(t.replaceAll('_', ''));
}

/** `float(s)`; undefined where Python raises ValueError. */
export function pyFloat(s: string): number | undefined {
  const t = pyStrip(s);
  if (SPECIAL.test(t)) {
    const neg = t.startsWith('-');
    if (/nan/i.test(t)) return NaN;
    return neg ? -Infinity : Infinity;
  }
  if (!FLOAT.test(t)) return undefined;
  return Number(t.replaceAll('_', ''));
}

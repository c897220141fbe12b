/**
 * `_max`, `_min` and `_fixed` keys (cartesian-spec §9.5): after all statements, `mem_max = 2`
 * caps `mem` at 2, `mem_min` raises it, `mem_fixed` sets it. Values compare as integers, or
 * as sizes (B/K/M/G/T, default M) when either has a unit letter.
 */
import { ConfigError } from '../errors.js';
import type { ParamValue } from './dict.js';
import { pyFloat, pyInt } from './python-text.js';
import type { ShapedDict } from './shaped-dict.js';

const UNIT = /[BbKkMmGgTt]/;
const UNIT_FACTOR: Readonly<Record<string, number>> = {
  B: 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

export function applyPostfix(d: ShapedDict): void {
  if (d.shape.postfixKeys.length === 0) return;
  try {
    applyPostfixKeys(d);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const name = d.get('name');
    throw new ConfigError(
      e.code,
      `${e.message}, in the dict "${typeof name === 'string' ? name : ''}"`,
      {
        ...(e.hint === undefined ? {} : { hint: e.hint }),
      },
    );
  }
}

function applyPostfixKeys(d: ShapedDict): void {
  let tmp: Map<string, ParamValue> | undefined;
  for (const key of d.shape.postfixKeys) {
    const value = d.get(key) as ParamValue;
    let base: string;
    let mode: 'max' | 'min' | 'fixed';
    if (key.endsWith('_max')) {
      base = key.slice(0, key.indexOf('_max'));
      mode = 'max';
    } else if (key.endsWith('_min')) {
      base = key.slice(0, key.indexOf('_min'));
      mode = 'min';
    } else {
      base = key.slice(0, key.indexOf('_fixed'));
      mode = 'fixed';
    }
    const current = d.get(base);
    const take =
      mode === 'fixed' ||
      current === undefined ||
      (mode === 'max' ? compare(key, current, value) > 0 : compare(key, current, value) < 0);
    if (take) (tmp ??= new Map()).set(base, value);
  }
  if (tmp) for (const [k, v] of tmp) d.set(k, v);
}

function compare(key: string, a: ParamValue, b: ParamValue): number {
  if (typeof a !== 'string' || typeof b !== 'string') {
    throw notNumeric(key, `${key} compares a list or map value`);
  }
  let x: bigint | undefined;
  let y: bigint | undefined;
  if (UNIT.test(a) || UNIT.test(b)) {
    x = sizeOf(key, a);
    y = sizeOf(key, b);
  } else {
    x = cachedInt(a);
    y = cachedInt(b);
    if (x === undefined || y === undefined) {
      const bad = x === undefined ? a : b;
      throw notNumeric(key, `invalid literal for int() with base 10: ${JSON.stringify(bad)}`);
    }
  }
  return x < y ? -1 : x === y ? 0 : 1;
}

const ints = new Map<string, bigint | undefined>();

/** `int()` of values that repeat in every dict, remembered (a bounded table). */
function cachedInt(s: string): bigint | undefined {
  if (ints.has(s)) return ints.get(s);
  const v = pyInt(s);
  if (ints.size < 4096) ints.set(s, v);
  return v;
}

/** The reference's `convert_data_size(size, "M")`. */
function sizeOf(key: string, size: string): bigint {
  if (size === '') throw notNumeric(key, 'an empty value is not a size');
  let s = size;
  let unit = s[s.length - 1] ?? '';
  if (!UNIT.test(unit)) {
    s += 'M';
    unit = 'M';
  }
  const n = pyFloat(s.slice(0, -1));
  if (n === undefined || Number.isNaN(n)) {
    throw notNumeric(key, `could not convert string to float: ${JSON.stringify(s.slice(0, -1))}`);
  }
  const v = n * (UNIT_FACTOR[unit.toUpperCase()] ?? 1);
  if (!Number.isFinite(v)) throw notNumeric(key, 'cannot convert float infinity to integer');
  return BigInt(Math.trunc(v));
}

function notNumeric(key: string, detail: string): ConfigError {
  return new ConfigError('CFG_NOT_NUMERIC', `${key}: values must be numbers or sizes (${detail})`, {
    hint: `${key.replace(/_(max|min)$/, '')} and ${key} must both be integers or sizes such as 512M, 2G`,
  });
}

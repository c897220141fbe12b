import { RESERVED_KEYS, SUFFIX_SEP, type ParamValue } from './dict.js';
import { Shape } from './shape.js';
import type { ShapedDict } from './shaped-dict.js';

/**
 * Suffix flattening (the reference's `drop_suffixes`, cartesian-spec §9.6): every suffixed key
 * becomes a plain key. With `skipdups`, a suffixed copy equal to the plain key is dropped and
 * suffixes are removed when all keys of that base agree; otherwise the suffixes are appended
 * in reverse order (outermost suffix nearest the base). Modifies `d` in place.
 */
export function dropSuffixes(d: ShapedDict, skipdups: boolean): void {
  if (d.shape.suffixed === 0) return;
  const keys = d.shape.keys;
  const orig = new Map<string, ParamValue>();
  for (let i = 0; i < keys.length; i++) orig.set(keys[i] as string, d.vals[i] as ParamValue);
  // The renames are done on a Map (same ordering rules as a Python dict), then the dict is
  // rebuilt once: renaming key by key on the shaped dict would make a shape per step.
  const out = new Map(orig);
  // Values of every key per base, to decide whether all copies of a base agree.
  let byBase: Map<string, ParamValue[]> | undefined;
  for (const [key, value] of orig) {
    if (!key.includes(SUFFIX_SEP) || RESERVED_KEYS.has(key)) continue;
    const parts = key.split(SUFFIX_SEP);
    const base = parts[0] ?? '';
    let newKey: string | undefined;
    if (skipdups) {
      if (orig.has(base) && orig.get(base) === value) {
        out.delete(key);
        continue;
      }
      if (byBase === undefined) {
        byBase = new Map();
        for (const [k, v] of orig) {
          const b = k.includes(SUFFIX_SEP) ? k.slice(0, k.indexOf(SUFFIX_SEP)) : k;
          const list = byBase.get(b);
          if (list === undefined) byBase.set(b, [v]);
          else list.push(v);
        }
      }
      if ((byBase.get(base) ?? []).every((v) => v === value)) newKey = base;
    }
    newKey ??= base + parts.slice(1).reverse().join('');
    out.delete(key);
    out.set(newKey, value);
  }
  let shape = Shape.EMPTY;
  const vals: ParamValue[] = [];
  for (const [k, v] of out) {
    shape = shape.withKey(k);
    vals.push(v);
  }
  d.shape = shape;
  d.vals = vals;
}

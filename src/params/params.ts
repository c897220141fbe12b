/**
 * One variant's parameters, with the readers of avocado-vt's `Params` (cartesian-spec §12):
 * object lists, per-object views through suffixes, and typed getters.
 */
import { ConfigError } from '../errors.js';
import { type ParamValue, pySplitWhitespace, pyStr, pyStrip } from '../parser/index.js';

export class Params {
  private readonly map: ReadonlyMap<string, ParamValue>;

  constructor(map: ReadonlyMap<string, ParamValue> | Iterable<readonly [string, ParamValue]>) {
    this.map = map instanceof Map ? (map as ReadonlyMap<string, ParamValue>) : new Map(map);
  }

  /** The value as a string (lists and maps as Python prints them), or undefined. */
  get(key: string): string | undefined {
    const v = this.map.get(key);
    return v === undefined ? undefined : pyStr(v);
  }

  /** The raw value, including the list of `dep` and the map-file maps. */
  value(key: string): ParamValue | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The value; a missing key is a config error naming it. */
  require(key: string): string {
    const v = this.get(key);
    if (v === undefined) {
      throw new ConfigError('CFG_MISSING_PARAM', `mandatory parameter '${key}' is missing`);
    }
    return v;
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  entries(): IterableIterator<[string, ParamValue]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }

  /** A copy as a Map. */
  toMap(): Map<string, ParamValue> {
    return new Map(this.map);
  }

  /** Names listed in `key` (whitespace separated), duplicates removed, first occurrence kept. */
  objects(key: string): string[] {
    return [...new Set(pySplitWhitespace(this.get(key) ?? ''))];
  }

  /**
   * The parameters of object `name`: every key ending in `_name` also sets the key before its
   * first `_name` (so `image_size_image1` becomes `image_size`); keys are visited in order.
   */
  objectParams(name: string): Params {
    const suffix = `_${name}`;
    let any = false;
    for (const key of this.map.keys()) {
      if (key.endsWith(suffix)) {
        any = true;
        break;
      }
    }
    // Nothing to scope: the same params (they are never changed in place).
    if (!any) return this;
    const copy = new Map(this.map);
    for (const key of [...copy.keys()]) {
      if (key.endsWith(suffix)) {
        copy.set(key.slice(0, key.indexOf(suffix)), copy.get(key) as ParamValue);
      }
    }
    return new Params(copy);
  }

  /** yes/on/true or no/off/false; anything else is an error naming the key. */
  getBoolean(key: string, defaultValue = false): boolean {
    const v = this.get(key) ?? (defaultValue ? 'yes' : 'no');
    if (v === 'yes' || v === 'on' || v === 'true') return true;
    if (v === 'no' || v === 'off' || v === 'false') return false;
    throw new ConfigError('CFG_BAD_VALUE', `${key} = ${v}: expected yes/on/true or no/off/false`);
  }

  /** An integer, as Python's `int(value, 0)` reads it (`0x10`, `1_000`, `-5`). */
  getNumeric(key: string, defaultValue = 0): number {
    const v = this.get(key);
    if (v === undefined) return defaultValue;
    const n = parseIntBase0(v);
    if (n === undefined) {
      throw new ConfigError('CFG_BAD_VALUE', `${key} = ${v}: expected an integer`);
    }
    return n;
  }

  /** The value split at `delimiter` (default: runs of whitespace); empty value → []. */
  getList(key: string, defaultValue = '', delimiter?: string): string[] {
    const v = this.get(key) ?? defaultValue;
    if (v === '') return [];
    return delimiter === undefined ? pySplitWhitespace(v) : v.split(delimiter);
  }

  /** `a=1 b=2` → {a: "1", b: "2"}; an entry without `=` is an error. */
  getDict(key: string, defaultValue = '', delimiter?: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const entry of this.getList(key, defaultValue, delimiter)) {
      const i = entry.indexOf('=');
      if (i < 0) {
        throw new ConfigError(
          'CFG_BAD_VALUE',
          `failed to find "=" in "${entry}" (value for ${key})`,
        );
      }
      out.set(pyStrip(entry.slice(0, i)), pyStrip(entry.slice(i + 1)));
    }
    return out;
  }

  /** Without the keys starting with `_` (the reference's `drop_dict_internals`). */
  dropInternals(): Params {
    return new Params([...this.map].filter(([k]) => !k.startsWith('_')));
  }
}

/** Python's `int(s, 0)`. */
function parseIntBase0(s: string): number | undefined {
  const t = pyStrip(s);
  const m =
    /^([+-]?)(?:0[xX]((?:_?[0-9a-fA-F])+)|0[oO]((?:_?[0-7])+)|0[bB]((?:_?[01])+)|(0(?:_?0)*|[1-9](?:_?\d)*))$/.exec(
      t,
    );
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const [radix, digits] =
    m[2] !== undefined
      ? [16, m[2]]
      : m[3] !== undefined
        ? [8, m[3]]
        : m[4] !== undefined
          ? [2, m[4]]
          : [10, m[5] ?? ''];
  return sign * parseInt(digits.replaceAll('_', ''), radix);
}

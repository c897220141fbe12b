/**
 * The dicts the expander yields. Keys and values are strings except the reserved keys:
 * `dep` is a list and the two map-file keys are maps. Insertion order is significant (regex
 * operators, suffix flattening and `objectParams` iterate in it), so dicts are Maps.
 */
export type ParamValue = string | readonly string[] | ReadonlyMap<string, string>;
/** A dict as the expander yields it (read-only; copy it into a Map to change it). */
export type ParamDict = ReadonlyMap<string, ParamValue>;

export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  'name',
  'shortname',
  'dep',
  '_name_map_file',
  '_short_name_map_file',
]);

/**
 * While a dict is built, a key renamed by `suffix` is stored as its base and suffixes joined
 * by this character (the reference uses tuples). A line break cannot occur in a key.
 */
export const SUFFIX_SEP = '\n';

/** The key a regex operator or `del` tests: base and suffixes concatenated in order. */
export function concatKey(key: string): string {
  return key.includes(SUFFIX_SEP) ? key.replaceAll(SUFFIX_SEP, '') : key;
}

/** Converts a dict to plain JSON data (maps become objects). */
export function dictToJson(d: ReadonlyMap<string, ParamValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of d) {
    out[k] =
      typeof v === 'string' || Array.isArray(v)
        ? v
        : Object.fromEntries(v as ReadonlyMap<string, string>);
  }
  return out;
}

/**
 * The value of `_name_map_file` / `_short_name_map_file`: file basename → variant path. It is
 * tiny (one entry per config file with variants) and copied on every change, because partial
 * dicts are shared between leaves; an immutable map over one flat array keeps copies cheap.
 */
export class FileMap implements ReadonlyMap<string, string> {
  static readonly EMPTY = new FileMap([]);

  /** file0, name0, file1, name1, … */
  private constructor(private readonly flat: readonly string[]) {}

  /** A copy where `file` maps to `name` (an existing entry keeps its place). */
  with(file: string, name: string): FileMap {
    const next = this.flat.slice();
    const i = this.indexOf(file);
    if (i >= 0) next[i + 1] = name;
    else next.push(file, name);
    return new FileMap(next);
  }

  private indexOf(file: string): number {
    for (let i = 0; i < this.flat.length; i += 2) if (this.flat[i] === file) return i;
    return -1;
  }

  get size(): number {
    return this.flat.length / 2;
  }

  get(file: string): string | undefined {
    const i = this.indexOf(file);
    return i < 0 ? undefined : this.flat[i + 1];
  }

  has(file: string): boolean {
    return this.indexOf(file) >= 0;
  }

  *keys(): MapIterator<string> {
    for (let i = 0; i < this.flat.length; i += 2) yield this.flat[i] as string;
  }

  *values(): MapIterator<string> {
    for (let i = 1; i < this.flat.length; i += 2) yield this.flat[i] as string;
  }

  *entries(): MapIterator<[string, string]> {
    for (let i = 0; i < this.flat.length; i += 2) {
      yield [this.flat[i] as string, this.flat[i + 1] as string];
    }
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  forEach(
    fn: (value: string, key: string, map: ReadonlyMap<string, string>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  get [Symbol.toStringTag](): string {
    return 'FileMap';
  }
}

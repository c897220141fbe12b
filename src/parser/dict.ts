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

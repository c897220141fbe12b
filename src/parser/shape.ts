/**
 * The key layout of a dict: its keys in insertion order and where each is stored. Dicts built
 * by the same statements share shapes, so a dict is a shape plus an array of values and
 * copying one (the expander does it for every leaf) is an array copy.
 *
 * Adding a key makes a cheap "chained" shape (parent + key); every few links a shape gets its
 * own index again, so lookups stay short. Transitions are cached up to a limit that keeps
 * memory bounded.
 */
import { concatKey, RESERVED_KEYS, SUFFIX_SEP } from './dict.js';

/** Most transitions remembered (later shapes are built as needed and dropped with their dicts). */
const MAX_CACHED_TRANSITIONS = 100_000;
/** Most keys held in indexes built for hot chained shapes (memory stays bounded). */
const MAX_HOT_INDEX_ENTRIES = 500_000;
let hotIndexEntries = 0;
let cachedTransitions = 0;
/** Longest chain of appended keys before a shape gets an index of its own. */
const MAX_CHAIN = 48;
/** Lookups after which a chained shape builds its own index. */
const HOT_LOOKUPS = 256;

const POSTFIX = /_(?:max|min|fixed)$/;

export class Shape {
  private adds: Map<string, Shape> | undefined;
  private removes: Map<string, Shape> | undefined;
  private postfix: readonly string[] | undefined;
  private matches: Map<RegExp, readonly number[]> | undefined;
  private suffixes: Map<string, { shape: Shape; order: readonly number[] }> | undefined;
  private keyList: readonly string[] | undefined;
  /** Own index; chained shapes get one once they are looked up often (see indexOf). */
  private index: Map<string, number> | undefined;
  private lookups = 0;
  /**
   * Positions of the two map-file keys (-1 while absent): every variant updates them, and
   * reserved keys never move, so they are carried from shape to shape instead of looked up.
   */
  nameMapAt = -1;
  shortMapAt = -1;

  private constructor(
    index: Map<string, number> | undefined,
    private readonly parent: Shape | undefined,
    /** For chained shapes: the key added to the parent (it sits at `size - 1`). */
    private readonly last: string | undefined,
    readonly size: number,
    private readonly chain: number,
    /** Number of keys renamed by `suffix` (stored with SUFFIX_SEP). */
    readonly suffixed: number,
    keys?: readonly string[],
  ) {
    this.index = index;
    this.keyList = keys;
    if (parent !== undefined) {
      this.nameMapAt = last === '_name_map_file' ? size - 1 : parent.nameMapAt;
      this.shortMapAt = last === '_short_name_map_file' ? size - 1 : parent.shortMapAt;
    } else if (keys !== undefined) {
      this.nameMapAt = keys.indexOf('_name_map_file');
      this.shortMapAt = keys.indexOf('_short_name_map_file');
    }
  }

  static readonly EMPTY = new Shape(new Map(), undefined, undefined, 0, 0, 0, []);

  /** Position of `key`, or undefined. */
  indexOf(key: string): number | undefined {
    if (this.index === undefined) {
      // A shape many lookups go through (a cached partial dict's) gets its own index; the
      // many shapes of single leaves stay cheap links to their parent.
      if (++this.lookups > HOT_LOOKUPS && hotIndexEntries + this.size <= MAX_HOT_INDEX_ENTRIES) {
        hotIndexEntries += this.size;
        this.index = indexOf(this.keys);
      } else {
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking the chain
        let s: Shape = this;
        while (s.index === undefined) {
          if (s.last === key) return s.size - 1;
          s = s.parent as Shape;
        }
        return s.index.get(key);
      }
    }
    return this.index.get(key);
  }

  /** The keys in order. */
  get keys(): readonly string[] {
    if (this.keyList === undefined) {
      // Collect the keys added since the nearest shape that knows its list, then copy once.
      const added: string[] = [];
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking the chain
      let s: Shape = this;
      while (s.keyList === undefined) {
        added.push(s.last as string);
        s = s.parent as Shape;
      }
      const keys = s.keyList.slice();
      for (let i = added.length - 1; i >= 0; i--) keys.push(added[i] as string);
      this.keyList = keys;
    }
    return this.keyList;
  }

  /** This shape with `key` appended (the key must not be in it). */
  withKey(key: string): Shape {
    const known = this.adds?.get(key);
    if (known !== undefined) return known;
    const suffixed = this.suffixed + (key.includes(SUFFIX_SEP) ? 1 : 0);
    let next: Shape;
    if (this.chain < MAX_CHAIN) {
      next = new Shape(undefined, this, key, this.size + 1, this.chain + 1, suffixed);
    } else {
      const keys = [...this.keys, key];
      next = new Shape(indexOf(keys), undefined, undefined, keys.length, 0, suffixed, keys);
    }
    if (cachedTransitions < MAX_CACHED_TRANSITIONS) {
      (this.adds ??= new Map()).set(key, next);
      cachedTransitions++;
    }
    return next;
  }

  /** This shape without `key` (which must be in it). */
  without(key: string): Shape {
    const known = this.removes?.get(key);
    if (known !== undefined) return known;
    const keys = this.keys.filter((k) => k !== key);
    const next = new Shape(
      indexOf(keys),
      undefined,
      undefined,
      keys.length,
      0,
      this.suffixed - (key.includes(SUFFIX_SEP) ? 1 : 0),
      keys,
    );
    if (cachedTransitions < MAX_CACHED_TRANSITIONS) {
      (this.removes ??= new Map()).set(key, next);
      cachedTransitions++;
    }
    return next;
  }

  /** Indices of the non-reserved keys whose concatenated form `re` matches. */
  matching(re: RegExp): readonly number[] {
    const known = this.matches?.get(re);
    if (known !== undefined) return known;
    let m: readonly number[];
    if (this.parent !== undefined && this.last !== undefined) {
      // A link adds one key: the parent's answer plus, maybe, that key (no key list needed).
      const base = this.parent.matching(re);
      const k = this.last;
      m = !RESERVED_KEYS.has(k) && re.test(concatKey(k)) ? [...base, this.size - 1] : base;
    } else {
      const found: number[] = [];
      const keys = this.keys;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        if (!RESERVED_KEYS.has(k) && re.test(concatKey(k))) found.push(i);
      }
      m = found;
    }
    (this.matches ??= new Map()).set(re, m);
    return m;
  }

  /**
   * The shape after `suffix s`: every non-reserved key renamed to carry the suffix and moved
   * to the end, as the reference pops and re-inserts them. `order[i]` is the old index of the
   * value at new index i.
   */
  withSuffix(suffix: string): { shape: Shape; order: readonly number[] } {
    let r = this.suffixes?.get(suffix);
    if (r === undefined) {
      const order: number[] = [];
      const renamed: number[] = [];
      const keys = this.keys;
      keys.forEach((k, i) => (RESERVED_KEYS.has(k) ? order : renamed).push(i));
      order.push(...renamed);
      let shape: Shape = Shape.EMPTY;
      for (const i of order) {
        const k = keys[i] as string;
        shape = shape.withKey(RESERVED_KEYS.has(k) ? k : k + SUFFIX_SEP + suffix);
      }
      r = { shape, order };
      (this.suffixes ??= new Map()).set(suffix, r);
    }
    return r;
  }

  /** Plain keys ending in `_max`, `_min` or `_fixed`, in order. */
  get postfixKeys(): readonly string[] {
    if (this.postfix === undefined) {
      if (this.parent !== undefined && this.last !== undefined) {
        const base = this.parent.postfixKeys;
        const k = this.last;
        this.postfix = POSTFIX.test(k) && !k.includes(SUFFIX_SEP) ? [...base, k] : base;
      } else {
        this.postfix = this.keys.filter((k) => POSTFIX.test(k) && !k.includes(SUFFIX_SEP));
      }
    }
    return this.postfix;
  }
}

function indexOf(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) m.set(keys[i] as string, i);
  return m;
}

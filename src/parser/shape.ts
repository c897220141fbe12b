/**
 * The key layout of a dict: its keys in insertion order and where each is stored. Dicts built
 * by the same statements share shapes, so a dict is a shape plus an array of values and
 * copying one (the expander does it for every leaf) is an array copy.
 *
 * Adding a key makes a cheap "chained" shape (parent + key); every few links a shape gets its
 * own index again, so lookups stay short. Transitions are cached up to a limit that keeps
 * memory bounded.
 */
import { RESERVED_KEYS, SUFFIX_SEP, concatKey } from './dict.js';

/** Most transitions remembered (later shapes are built as needed and dropped with their dicts). */
const MAX_CACHED_TRANSITIONS = 200_000;
let cachedTransitions = 0;
/** Longest chain of appended keys before a shape gets an index of its own. */
const MAX_CHAIN = 6;

const POSTFIX = /_(?:max|min|fixed)$/;

export class Shape {
  private adds: Map<string, Shape> | undefined;
  private removes: Map<string, Shape> | undefined;
  private postfix: readonly string[] | undefined;
  private matches: Map<RegExp, readonly number[]> | undefined;
  private suffixes: Map<string, { shape: Shape; order: readonly number[] }> | undefined;
  private keyList: readonly string[] | undefined;

  private constructor(
    /** Own index (set for shapes at the end of a chain), or undefined for chained shapes. */
    private readonly index: ReadonlyMap<string, number> | undefined,
    private readonly parent: Shape | undefined,
    /** For chained shapes: the key added to the parent (it sits at `size - 1`). */
    private readonly last: string | undefined,
    readonly size: number,
    private readonly chain: number,
    /** Number of keys renamed by `suffix` (stored with SUFFIX_SEP). */
    readonly suffixed: number,
    keys?: readonly string[],
  ) {
    this.keyList = keys;
  }

  static readonly EMPTY = new Shape(new Map(), undefined, undefined, 0, 0, 0, []);

  /** Position of `key`, or undefined. */
  indexOf(key: string): number | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking the chain
    let s: Shape = this;
    while (s.index === undefined) {
      if (s.last === key) return s.size - 1;
      s = s.parent as Shape;
    }
    return s.index.get(key);
  }

  /** The keys in order. */
  get keys(): readonly string[] {
    if (this.keyList === undefined) {
      const parentKeys = (this.parent as Shape).keys;
      this.keyList = [...parentKeys, this.last as string];
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
    const m: number[] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (!RESERVED_KEYS.has(k) && re.test(concatKey(k))) m.push(i);
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
    this.postfix ??= this.keys.filter((k) => POSTFIX.test(k) && !k.includes(SUFFIX_SEP));
    return this.postfix;
  }
}

function indexOf(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) m.set(keys[i] as string, i);
  return m;
}

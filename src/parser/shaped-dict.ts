/**
 * The dict type the expander builds and yields: a `Shape` (keys in insertion order) plus an
 * array of values. It behaves as a Map for reading, with Python dict ordering for writing (a
 * set of an existing key keeps its place, a new key goes last, a delete closes the gap).
 */
import type { ParamValue } from './dict.js';
import { Shape } from './shape.js';

export class ShapedDict implements ReadonlyMap<string, ParamValue> {
  constructor(
    public shape: Shape = Shape.EMPTY,
    public vals: ParamValue[] = [],
  ) {}

  /** A copy sharing the shape. */
  clone(): ShapedDict {
    return new ShapedDict(this.shape, this.vals.slice());
  }

  get size(): number {
    return this.vals.length;
  }

  get(key: string): ParamValue | undefined {
    const i = this.shape.indexOf(key);
    return i === undefined ? undefined : this.vals[i];
  }

  has(key: string): boolean {
    return this.shape.indexOf(key) !== undefined;
  }

  set(key: string, value: ParamValue): this {
    const i = this.shape.indexOf(key);
    if (i === undefined) {
      this.shape = this.shape.withKey(key);
      this.vals.push(value);
    } else this.vals[i] = value;
    return this;
  }

  delete(key: string): boolean {
    const i = this.shape.indexOf(key);
    if (i === undefined) return false;
    this.shape = this.shape.without(key);
    this.vals.splice(i, 1);
    return true;
  }

  /** Keys as of now; later changes do not affect an iteration already started. */
  keys(): MapIterator<string> {
    return this.shape.keys[Symbol.iterator]();
  }

  values(): MapIterator<ParamValue> {
    return this.vals.slice()[Symbol.iterator]();
  }

  *entries(): MapIterator<[string, ParamValue]> {
    const keys = this.shape.keys;
    const vals = this.vals.slice();
    for (let i = 0; i < keys.length; i++) yield [keys[i] as string, vals[i] as ParamValue];
  }

  [Symbol.iterator](): MapIterator<[string, ParamValue]> {
    return this.entries();
  }

  forEach(
    fn: (value: ParamValue, key: string, map: ReadonlyMap<string, ParamValue>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  get [Symbol.toStringTag](): string {
    return 'ShapedDict';
  }
}

/**
 * The value of `_name_map_file` / `_short_name_map_file`: file basename → variant path. It is
 * tiny (one entry per config file with variants) and copied on every change, because partial
 * dicts are shared between leaves; an immutable array-backed map makes those copies cheap.
 */
export class FileMap implements ReadonlyMap<string, string> {
  static readonly EMPTY = new FileMap([], []);

  private constructor(
    private readonly files: readonly string[],
    private readonly names: readonly string[],
  ) {}

  /** A copy where `file` maps to `name` (an existing entry keeps its place). */
  with(file: string, name: string): FileMap {
    const i = this.files.indexOf(file);
    if (i >= 0) {
      const names = this.names.slice();
      names[i] = name;
      return new FileMap(this.files, names);
    }
    return new FileMap([...this.files, file], [...this.names, name]);
  }

  get size(): number {
    return this.files.length;
  }

  get(file: string): string | undefined {
    const i = this.files.indexOf(file);
    return i < 0 ? undefined : this.names[i];
  }

  has(file: string): boolean {
    return this.files.includes(file);
  }

  keys(): MapIterator<string> {
    return this.files[Symbol.iterator]();
  }

  values(): MapIterator<string> {
    return this.names[Symbol.iterator]();
  }

  *entries(): MapIterator<[string, string]> {
    for (let i = 0; i < this.files.length; i++) {
      yield [this.files[i] as string, this.names[i] as string];
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

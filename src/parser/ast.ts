/**
 * The syntax tree of one Cartesian config file (or YAML file, or string), as written: blocks,
 * variants and includes are kept, nothing is expanded. `buildTree` turns it into the DAG the
 * expander walks; the converters print it back as `.cfg` or YAML.
 */
import type { Filter } from './filter.js';
import type {
  AssignStatement,
  DelStatement,
  FilterStatement,
  JoinStatement,
  StatementSource,
  SuffixStatement,
} from './tree.js';

export interface AstCondition {
  readonly kind: 'cond';
  readonly negated: boolean;
  readonly filter: Filter;
  readonly body: AstStatement[];
  readonly src: StatementSource;
}

export interface AstInclude {
  readonly kind: 'include';
  /** The path as written. */
  readonly path: string;
  /** The parsed file. */
  readonly file: AstFile;
  readonly src: StatementSource;
}

/** One `[key]` or `[key=value]` of a variants header. */
export interface AstMeta {
  readonly key: string;
  /** Token texts of the value (dots as "."), or undefined for `[key]`. */
  readonly value: readonly string[] | undefined;
}

export interface AstVariant {
  /** Token texts of the name as written, dots included (`a.b` → a . b). */
  readonly raw: readonly string[];
  /** The labels the variant adds to names (the identifiers of `raw`). */
  readonly names: readonly string[];
  /** Marked default with `@`. */
  readonly at: boolean;
  readonly deps: Filter | undefined;
  readonly body: AstStatement[];
  readonly src: StatementSource;
}

export interface AstVariants {
  readonly kind: 'variants';
  /** Block name (`variants os:`), or '' for an unnamed block. */
  readonly name: string;
  readonly meta: readonly AstMeta[];
  readonly variants: AstVariant[];
  readonly src: StatementSource;
}

export type AstStatement =
  | AssignStatement
  | DelStatement
  | FilterStatement
  | JoinStatement
  | SuffixStatement
  | AstCondition
  | AstInclude
  | AstVariants;

export interface AstFile {
  /** The path as given (or as the including file joined it), or `<string>`. */
  readonly path: string;
  readonly statements: AstStatement[];
}

/** The `[default=…]` values of a header. */
export function metaDefaults(meta: readonly AstMeta[]): (readonly string[])[] {
  const out: (readonly string[])[] = [];
  for (const m of meta) if (m.key === 'default' && m.value !== undefined) out.push(m.value);
  return out;
}

/** The reference's `cmd_tokens`: two token lists agree over their common length. */
export function tokensAgree(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Marks defaults the reference's way: each `[default=…]` value is used up by the first
 * variant it agrees with. Returns the values no variant used.
 */
export function matchDefaults(
  meta: readonly AstMeta[],
  variants: readonly Pick<AstVariant, 'raw'>[],
  onMatch?: (variantIndex: number) => void,
): (readonly string[])[] {
  const left = metaDefaults(meta);
  variants.forEach((v, index) => {
    const i = left.findIndex((wd) => tokensAgree(wd, v.raw));
    if (i >= 0) {
      left.splice(i, 1);
      onMatch?.(index);
    }
  });
  return left;
}

/**
 * Builds one leaf dict by applying statements in textual order (cartesian-spec §5, §9):
 * assignments with `${}` substitution, regex operators, `del`, `suffix`, the map-file
 * records, and conditions evaluated against the leaf's full path.
 */
import { ConfigError } from '../errors.js';
import { statementDiagnostic } from './config-lines.js';
import { concatKey, FileMap, type ParamValue, RESERVED_KEYS, SUFFIX_SEP } from './dict.js';
import { filterMatches } from './filter-match.js';
import type { CtxLabel } from './filter.js';
import type { ConditionLog } from './leaf-builder.js';
import { pyMatchRegex, PyRegexError } from './py-regex.js';
import { pyStr } from './python-text.js';
import { Shape } from './shape.js';
import type { ShapedDict } from './shaped-dict.js';
import type { AssignStatement, Statement, StatementSource } from './tree.js';

const SUBST = /\$\{(.+?)\}/g;

/** A value split around its `${name}` references: parts[0] name[0] parts[1] name[1] … */
interface Template {
  readonly parts: readonly string[];
  readonly names: readonly string[];
  /** Where each reference starts, to keep the rest verbatim after an unknown name. */
  readonly starts: readonly number[];
}

/** What applying an assignment needs beyond its text, computed once per statement. */
interface Compiled {
  readonly reserved: boolean;
  readonly template: Template | undefined;
  regex?: RegExp;
}

const compiled = new WeakMap<AssignStatement, Compiled>();
const templates = new Map<string, Template>();

function compiledOf(s: AssignStatement): Compiled {
  let c = compiled.get(s);
  if (c === undefined) {
    c = {
      reserved: RESERVED_KEYS.has(s.key),
      template: s.value.includes('$') ? templateOf(s.value) : undefined,
    };
    compiled.set(s, c);
  }
  return c;
}

function templateOf(value: string): Template {
  let t = templates.get(value);
  if (t === undefined) {
    const parts: string[] = [];
    const names: string[] = [];
    const starts: number[] = [];
    let start = 0;
    SUBST.lastIndex = 0;
    for (let m = SUBST.exec(value); m !== null; m = SUBST.exec(value)) {
      parts.push(value.slice(start, m.index));
      names.push(m[1] ?? '');
      starts.push(m.index);
      start = SUBST.lastIndex;
    }
    parts.push(value.slice(start));
    t = { parts, names, starts };
    // Bounded: values are config text, but strings fed through substitute() are not.
    if (templates.size < 10_000) templates.set(value, t);
  }
  return t;
}

export class DictBuilder {
  /** Flattened copy used for `${}` lookups once keys carry suffixes; dropped on change. */
  private flat: ShapedDict | undefined;

  constructor(
    public d: ShapedDict,
    private ctx: readonly CtxLabel[],
    private readonly skipdups: boolean,
    /** Outcomes of conditions the expander already decided for this path. */
    private decided?: ConditionLog,
  ) {}

  applyAll(items: readonly Statement[]): void {
    for (const item of items) {
      switch (item.kind) {
        case 'assign':
          this.assign(item);
          break;
        case 'cond':
          if (this.decided?.get(item) ?? filterMatches(item.filter, this.ctx) !== item.negated) {
            this.applyAll(item.body);
          }
          break;
        case 'del':
          this.del(item.key);
          break;
        case 'suffix':
          this.suffix(item.suffix);
          break;
        case 'mapfile':
          this.mapFile('_name_map_file', item.file, item.long);
          this.mapFile('_short_name_map_file', item.file, item.short);
          break;
        case 'only':
        case 'no':
        case 'join':
          // Filters were decided while descending; joins are expanded by the expander.
          break;
      }
    }
  }

  private lookup(name: string): ParamValue | undefined {
    if (this.d.shape.suffixed === 0) return this.d.get(name);
    if (this.flat === undefined) {
      this.flat = this.d.clone();
      dropSuffixes(this.flat, this.skipdups);
    }
    return this.flat.get(name);
  }

  /** `${name}` substitution; stops at the first unknown name and keeps the rest verbatim. */
  substitute(value: string): string {
    return value.includes('$') ? this.fill(templateOf(value), value) : value;
  }

  private fill(t: Template, value: string): string {
    let out = t.parts[0] as string;
    for (let i = 0; i < t.names.length; i++) {
      const v = this.lookup(t.names[i] as string);
      if (v === undefined) return out + value.slice(t.starts[i]);
      out += (typeof v === 'string' ? v : pyStr(v)) + (t.parts[i + 1] as string);
    }
    return out;
  }

  /** The value of an assignment, substituted (compiled once per statement). */
  private valueOf(s: AssignStatement, c: Compiled): string {
    return c.template === undefined ? s.value : this.fill(c.template, s.value);
  }

  private set(key: string, value: string): void {
    this.d.set(key, value);
    this.flat = undefined;
  }

  private assign(s: AssignStatement): void {
    const c = compiledOf(s);
    const { key, op } = s;
    switch (op) {
      case '=':
        if (!c.reserved) this.set(key, this.valueOf(s, c));
        return;
      case '+=':
        if (!c.reserved) this.set(key, this.str(key) + this.valueOf(s, c));
        return;
      case '<=':
        if (!c.reserved) this.set(key, this.valueOf(s, c) + this.str(key));
        return;
      case '~=':
        if (!c.reserved && !this.d.has(key)) this.set(key, this.valueOf(s, c));
        return;
      case '?=':
      case '?+=':
      case '?<=': {
        const re = (c.regex ??= compileKey(s));
        const value = this.valueOf(s, c);
        const vals = this.d.vals;
        for (const i of this.d.shape.matching(re)) {
          const old = vals[i] as string;
          vals[i] = op === '?=' ? value : op === '?+=' ? old + value : value + old;
        }
        this.flat = undefined;
        return;
      }
    }
  }

  private str(key: string): string {
    const v = this.d.get(key);
    return v === undefined ? '' : typeof v === 'string' ? v : pyStr(v);
  }

  private del(name: string): void {
    for (const k of [...this.d.keys()]) {
      if (!RESERVED_KEYS.has(k) && concatKey(k) === name) this.d.delete(k);
    }
    this.flat = undefined;
  }

  private suffix(suffix: string): void {
    const { shape, order } = this.d.shape.withSuffix(suffix);
    const vals = this.d.vals;
    this.d.vals = order.map((i) => vals[i] as ParamValue);
    this.d.shape = shape;
    this.flat = undefined;
  }

  private mapFile(dest: string, file: string, name: string): void {
    const at = dest === '_name_map_file' ? this.d.shape.nameMapAt : this.d.shape.shortMapAt;
    // Copied, not changed in place: partial dicts are cached and shared between leaves.
    const old = at < 0 ? FileMap.EMPTY : (this.d.vals[at] as FileMap);
    const prev = old.get(file);
    const next = old.with(file, prev === undefined ? name : `${name}.${prev}`);
    if (at < 0) this.d.set(dest, next);
    else this.d.vals[at] = next;
    this.flat = undefined;
  }

  /** Points the builder at another dict (one builder serves every leaf). */
  reset(d: ShapedDict, ctx: readonly CtxLabel[], decided: ConditionLog | undefined): this {
    this.d = d;
    this.ctx = ctx;
    this.decided = decided;
    this.flat = undefined;
    return this;
  }
}

function compileKey(s: AssignStatement | { key: string; src: StatementSource }): RegExp {
  try {
    return pyMatchRegex(s.key);
  } catch (e) {
    if (!(e instanceof PyRegexError)) throw e;
    throw new ConfigError(
      'CFG_BAD_REGEX',
      `"${s.key}" is not a valid regular expression: ${e.message}`,
      statementDiagnostic(s.src),
    );
  }
}

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

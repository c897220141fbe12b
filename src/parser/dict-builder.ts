/**
 * Builds one leaf dict by applying statements in textual order (cartesian-spec §5, §9):
 * assignments with `${}` substitution, regex operators, `del`, `suffix`, the map-file
 * records, and conditions evaluated against the leaf's full path.
 */
import { ConfigError } from '../errors.js';
import { dropSuffixes } from './drop-suffixes.js';
import { RESERVED_KEYS, concatKey, type ParamValue } from './dict.js';
import { FileMap } from './file-map.js';
import type { ShapedDict } from './shaped-dict.js';
import type { ConditionLog } from './condition-log.js';
import type { CtxLabel } from './filter.js';
import { filterMatches } from './filter-match.js';
import { pyStr } from './py-repr.js';
import { PyRegexError, pyMatchRegex } from './py-regex.js';
import type { AssignStatement, Statement, StatementSource } from './tree.js';
import { statementDiagnostic } from './source-location-of.js';

const SUBST = /\$\{(.+?)\}/g;

export class DictBuilder {
  /** Flattened copy used for `${}` lookups once keys carry suffixes; dropped on change. */
  private flat: ShapedDict | undefined;

  constructor(
    readonly d: ShapedDict,
    private readonly ctx: readonly CtxLabel[],
    private readonly skipdups: boolean,
    /** Outcomes of conditions the expander already decided for this path. */
    private readonly decided?: ConditionLog,
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
    if (!value.includes('$')) return value;
    let out = '';
    let start = 0;
    SUBST.lastIndex = 0;
    for (let m = SUBST.exec(value); m !== null; m = SUBST.exec(value)) {
      const v = this.lookup(m[1] ?? '');
      if (v === undefined) break;
      out += value.slice(start, m.index) + pyStr(v);
      start = SUBST.lastIndex;
    }
    return out + value.slice(start);
  }

  private set(key: string, value: string): void {
    this.d.set(key, value);
    this.flat = undefined;
  }

  private assign(s: AssignStatement): void {
    const { key, op } = s;
    switch (op) {
      case '=':
        if (!RESERVED_KEYS.has(key)) this.set(key, this.substitute(s.value));
        return;
      case '+=':
        if (!RESERVED_KEYS.has(key)) this.set(key, this.str(key) + this.substitute(s.value));
        return;
      case '<=':
        if (!RESERVED_KEYS.has(key)) this.set(key, this.substitute(s.value) + this.str(key));
        return;
      case '~=':
        if (!RESERVED_KEYS.has(key) && !this.d.has(key)) this.set(key, this.substitute(s.value));
        return;
      case '?=':
      case '?+=':
      case '?<=': {
        const re = compileKey(s);
        const value = this.substitute(s.value);
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
    return v === undefined ? '' : pyStr(v);
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
    // Copied, not changed in place: partial dicts are cached and shared between leaves.
    const old = (this.d.get(dest) as FileMap | undefined) ?? FileMap.EMPTY;
    const prev = old.get(file);
    this.d.set(dest, old.with(file, prev === undefined ? name : `${name}.${prev}`));
    this.flat = undefined;
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

/**
 * Prints a syntax tree in the YAML form (docs/yaml-config.md). `parseYaml` reads the output
 * back to the same tree; comments of the original are not part of the tree and are lost.
 */
import type { Scalar } from 'yaml';
import type { AstFile, AstMeta, AstStatement, AstVariant } from '../ast.js';
import type { Filter } from '../filter.js';
import { classifyKey } from './classify-key.js';
import { filterSpelling } from './filter-spelling.js';
import { metaValueText } from './meta-value-text.js';
import type { PrintOptions } from './print-options.js';
import { unprintable } from './unprintable.js';
import { yamlLib } from './yaml-lib.js';

type YamlValue = string | Scalar | YamlValue[] | Map<string, YamlValue>;

/** Text stays text (failsafe), and long values stay on one line. */
const STRINGIFY = { schema: 'failsafe', lineWidth: 0 } as const;

/** The YAML text of a file's statements; includes stay includes (of `includePath(path)`). */
export function printYaml(ast: AstFile, options: PrintOptions = {}): string {
  const includePath = options.includePath ?? ((p: string) => p);

  const statements = (list: readonly AstStatement[]): YamlValue[] => {
    const out: YamlValue[] = [];
    for (const st of list) {
      const item = statement(st);
      if (item !== undefined) out.push(item);
    }
    return out;
  };

  const body = (list: readonly AstStatement[]): YamlValue =>
    list.length === 0 ? '' : statements(list);

  const statement = (st: AstStatement): Map<string, YamlValue> | undefined => {
    switch (st.kind) {
      case 'assign': {
        // The short form `KEY: VALUE` when it reads back as `KEY = VALUE`, else `KEY OP: VALUE`.
        const short = st.op === '=' && readsAs(st.key, st.key, '=');
        const key = short ? st.key : `${st.key} ${st.op}`;
        if (!short && !readsAs(key, st.key, st.op)) {
          throw unprintable('YAML', st.src, `the key "${st.key}"`);
        }
        return one(key, textValue(st.value));
      }
      case 'del':
        return one('del', st.key);
      case 'only':
      case 'no':
      case 'join':
        return one(st.kind, filterValue(st.filter));
      case 'suffix':
        return one('suffix', st.suffix);
      case 'include':
        return one('include', textValue(includePath(st.path)));
      case 'cond': {
        const spelling = filterSpelling(st.filter);
        if (spelling === '') throw unprintable('YAML', st.src, 'a condition without a filter');
        return one(`if ${st.negated ? 'not ' : ''}${spelling}`, body(st.body));
      }
      case 'variants': {
        // A block without variants changes nothing (and YAML requires at least one).
        if (st.variants.length === 0) return undefined;
        const list = st.variants.map(variant);
        if (st.name === '' && st.meta.length === 0) return one('variants', list);
        const header = new Map<string, YamlValue>();
        if (st.name !== '') header.set('name', st.name);
        const [first] = st.meta;
        if (st.meta.length === 1 && first?.key === 'default' && first.value !== undefined) {
          header.set('default', metaValueText(first.value));
        } else if (st.meta.length > 0) {
          header.set('meta', st.meta.map(metaItem));
        }
        header.set('variants', list);
        return one('variants', header);
      }
    }
  };

  const variant = (v: AstVariant): Map<string, YamlValue> => {
    const name = `${v.at ? '@' : ''}${v.raw.join('')}`;
    if (v.deps === undefined) return one(name, body(v.body));
    const options = new Map<string, YamlValue>([['deps', filterValue(v.deps)]]);
    if (v.body.length > 0) options.set('body', statements(v.body));
    return one(name, options);
  };

  return yamlLib().stringify(statements(ast.statements), STRINGIFY);
}

/**
 * A string value. The `yaml` package writes some multi-line strings as block scalars that do
 * not read back the same (`" \n"` becomes `"\n"`); such a string is written double-quoted.
 */
function textValue(text: string): YamlValue {
  if (!/[\n\r]/.test(text)) return text;
  const doc = yamlLib().parseDocument(yamlLib().stringify([text], STRINGIFY), {
    schema: 'failsafe',
  });
  if (doc.errors.length === 0 && (doc.toJS() as unknown[])[0] === text) return text;
  const quoted = new (yamlLib().Scalar)(text);
  quoted.type = 'QUOTE_DOUBLE';
  return quoted;
}

function one(key: string, value: YamlValue): Map<string, YamlValue> {
  return new Map([[key, value]]);
}

/** Filter text; an empty filter is quoted, since an empty value means "nothing written". */
function filterValue(filter: Filter): YamlValue {
  const text = filterSpelling(filter);
  if (text !== '') return text;
  const quoted = new (yamlLib().Scalar)('');
  quoted.type = 'QUOTE_DOUBLE';
  return quoted;
}

function metaItem(m: AstMeta): YamlValue {
  return m.value === undefined ? m.key : one(m.key, metaValueText(m.value));
}

/** True when the YAML key `text` is read as an assignment of `op` to `key`. */
function readsAs(text: string, key: string, op: string): boolean {
  try {
    const k = classifyKey(text);
    return k.kind === 'assign' && k.key === key && k.op === op;
  } catch {
    return false;
  }
}

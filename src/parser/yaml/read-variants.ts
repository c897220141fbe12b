import type { Scalar } from 'yaml';
import { ConfigError } from '../../errors.js';
import {
  type AstMeta,
  type AstStatement,
  type AstVariant,
  type AstVariants,
  matchDefaults,
} from '../ast.js';
import type { Filter } from '../filter.js';
import { LineError } from '../token-reader.js';
import type { StatementSource } from '../tree.js';
import { lexFragment } from './lex-fragment.js';
import { parseVariantName } from './parse-variant-name.js';
import { TokenCursor } from './token-cursor.js';
import { yamlLib } from './yaml-lib.js';
import { YamlNodes } from './yaml-nodes.js';

const HEADER_KEYS = ['name', 'default', 'meta', 'variants'] as const;
const VARIANT_KEYS = ['deps', 'default', 'body'] as const;

/** What reading a variants block needs from the statement reader. */
export interface VariantsContext {
  readonly nodes: YamlNodes;
  readonly report: (error: ConfigError) => void;
  /** The statements of a variant body (nothing, or a list). */
  readonly body: (value: unknown, what: string) => AstStatement[];
}

/**
 * A `variants` statement: its value is the list of variants, or a mapping with `name`,
 * `default`, `meta` and `variants`. A variant is `NAME:` with its statements, or `NAME:` with
 * a mapping of `deps`, `default` and `body`. A bad variant is reported and left out, as the
 * `.cfg` parser leaves out a bad dash line; a `[default=…]` that matches no variant is a
 * `CFG_MISSING_DEFAULT` at the default.
 */
export function readVariants(
  value: unknown,
  keyNode: Scalar,
  src: StatementSource,
  ctx: VariantsContext,
): AstVariants {
  const { nodes } = ctx;
  let name = '';
  const meta: AstMeta[] = [];
  /** Where each `[default=…]` was written, for the "matches no variant" error. */
  const defaultAt = new Map<AstMeta, unknown>();
  let list: unknown;
  if (yamlLib().isSeq(value)) {
    list = value;
  } else if (yamlLib().isMap(value)) {
    for (const pair of value.items) {
      const k = nodes.deref(pair.key);
      const v = nodes.deref(pair.value);
      const keyText = yamlLib().isScalar(k) ? String(k.value) : '';
      switch (keyText) {
        case 'name':
          name = nodes.identifier(v, 'name', 'a block name (letters, digits, "_", "-")');
          break;
        case 'default': {
          const text = nodes.text(v, 'default', 'the default variant name');
          const m: AstMeta = { key: 'default', value: metaValue(nodes, text) };
          meta.push(m);
          defaultAt.set(m, text);
          break;
        }
        case 'meta':
          readMeta(nodes, v, meta, defaultAt);
          break;
        case 'variants':
          list = v;
          break;
        default:
          throw nodes.shape(k, `unknown key "${keyText}" in a variants block`, {
            hint: `expected ${HEADER_KEYS.map((h) => `"${h}"`).join(', ')}`,
          });
      }
    }
    if (list === undefined) {
      throw nodes.shape(value, 'a variants block needs "variants:", the list of its variants');
    }
  } else {
    throw nodes.shape(
      value,
      `expected the list of variants (or a mapping with ${HEADER_KEYS.join(', ')}), found ${YamlNodes.describe(value)}`,
    );
  }
  if (!yamlLib().isSeq(list)) {
    throw nodes.shape(list, `expected the list of variants, found ${YamlNodes.describe(list)}`);
  }
  if (list.items.length === 0) {
    throw nodes.shape(list, 'a variants block needs at least one variant');
  }
  const variants: AstVariant[] = [];
  for (const item of list.items) {
    try {
      variants.push(readVariant(item, ctx));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      ctx.report(e);
    }
  }
  // Each [default=…] marks the first variant it agrees with; one left over matches none.
  const unmatched = new Set(matchDefaults(meta, variants));
  for (const m of meta) {
    if (m.value === undefined || !unmatched.has(m.value)) continue;
    ctx.report(
      nodes.error(
        'CFG_MISSING_DEFAULT',
        defaultAt.get(m) ?? keyNode,
        `no variant of this block matches [default=${m.value.join('')}]`,
      ),
    );
  }
  return { kind: 'variants', name, meta, variants, src };
}

/** `meta:` — a list of `KEY` (`[KEY]`) and `KEY: VALUE` (`[KEY=VALUE]`) items, in order. */
function readMeta(
  nodes: YamlNodes,
  value: unknown,
  meta: AstMeta[],
  defaultAt: Map<AstMeta, unknown>,
): void {
  if (!yamlLib().isSeq(value)) {
    throw nodes.shape(
      value,
      `expected a list of meta data ("- key" or "- key: value"), found ${YamlNodes.describe(value)}`,
    );
  }
  const what = 'a meta key (letters, digits, "_", "-")';
  for (const item of value.items) {
    const node = nodes.deref(item);
    if (yamlLib().isScalar(node)) {
      const key = nodes.identifier(node, 'meta', what);
      if (key === 'default') {
        throw nodes.error('CFG_SYNTAX', node, 'expected [default=NAME]: "default" needs a value');
      }
      meta.push({ key, value: undefined });
    } else if (yamlLib().isMap(node) && node.items.length === 1) {
      const pair = node.items[0] as { key: unknown; value: unknown };
      const key = nodes.identifier(nodes.deref(pair.key), 'meta', what);
      const text = nodes.deref(pair.value);
      const v = YamlNodes.isEmpty(text)
        ? []
        : metaValue(nodes, nodes.text(text, key, 'a meta value'));
      const m: AstMeta = { key, value: v };
      meta.push(m);
      if (key === 'default') defaultAt.set(m, text);
    } else {
      throw nodes.shape(
        node,
        `expected "- key" or "- key: value" in meta, found ${YamlNodes.describe(node)}`,
      );
    }
  }
}

/** The tokens of a meta value, read as `.cfg` reads `[key=…]` (whitespace dropped). */
function metaValue(nodes: YamlNodes, node: Scalar<string>): string[] {
  try {
    const out: string[] = [];
    for (const t of new TokenCursor(lexFragment(node.value)).restOfLine()) {
      if (t.type === 'white') continue;
      if (t.type === 'rbracket') {
        throw new LineError('CFG_SYNTAX', 'unexpected "]" in meta data', t.pos);
      }
      out.push(t.value);
    }
    return out;
  } catch (e) {
    throw nodes.fragmentError(e, node, 0);
  }
}

function readVariant(item: unknown, ctx: VariantsContext): AstVariant {
  const { nodes } = ctx;
  const node = nodes.deref(item);
  if (!yamlLib().isMap(node)) {
    throw nodes.shape(
      node,
      `expected a variant ("- NAME:" with its statements below), found ${YamlNodes.describe(node)}`,
      {
        hint: yamlLib().isScalar(node)
          ? `write "- ${String(node.value)}:" (with a colon)`
          : undefined,
      },
    );
  }
  const [pair, second] = node.items;
  if (pair === undefined) throw nodes.shape(node, 'expected a variant, found an empty mapping');
  if (second !== undefined) {
    throw nodes.shape(
      second.key,
      `a variant is a mapping with one key, its name; found ${node.items.length} keys`,
      { hint: 'indent the statements of the variant below its name, as a list' },
    );
  }
  const keyNode = nodes.deref(pair.key);
  if (!yamlLib().isScalar(keyNode)) throw nodes.shape(keyNode, 'a variant name must be text');
  const label = String(keyNode.value);
  let name;
  try {
    name = parseVariantName(label);
  } catch (e) {
    throw nodes.fragmentError(e, keyNode, 0);
  }
  const src = nodes.src.source(YamlNodes.start(keyNode));
  const value = nodes.deref(pair.value);
  let at = name.at;
  let deps: Filter | undefined;
  let body: AstStatement[] = [];
  if (yamlLib().isMap(value)) {
    for (const p of value.items) {
      const k = nodes.deref(p.key);
      const v = nodes.deref(p.value);
      const keyText = yamlLib().isScalar(k) ? String(k.value) : '';
      switch (keyText) {
        case 'deps':
          deps = nodes.filter(v, 'deps');
          break;
        case 'default': {
          const flag = nodes.text(v, 'default', 'true or false');
          if (flag.value !== 'true' && flag.value !== 'false') {
            throw nodes.shape(flag, `"default" is true or false, found "${flag.value}"`);
          }
          at ||= flag.value === 'true';
          break;
        }
        case 'body':
          body = ctx.body(v, 'the body of a variant');
          break;
        default:
          throw nodes.shape(k, `unknown key "${keyText}" in variant "${label}"`, {
            hint:
              `expected ${VARIANT_KEYS.map((h) => `"${h}"`).join(', ')}; the statements of a ` +
              'variant are a list ("- key: value" items) directly below its name or under "body:"',
          });
      }
    }
  } else {
    body = ctx.body(value, `variant "${label}"`);
  }
  return { raw: name.raw, names: name.names, at, deps, body, src };
}

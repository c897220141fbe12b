import type { Document, Scalar } from 'yaml';
import { ConfigError, type ConfigErrorCode } from '../../errors.js';
import { includeRelated } from '../config-lines.js';
import type { Filter, FilterWord } from '../filter.js';
import { LineError } from '../token-reader.js';
import { lexFragment } from './lex-fragment.js';
import { parseFilterText } from './parse-filter-text.js';
import { TokenCursor } from './token-cursor.js';
import { yamlLib } from './yaml-lib.js';
import type { YamlSource } from './yaml-source.js';

/**
 * Reading values out of the nodes of one YAML document: aliases followed, the shapes the YAML
 * form allows checked (a wrong one is a `CFG_YAML_SHAPE` error saying what was expected), and
 * Cartesian text inside scalars parsed with errors placed at their character in the YAML.
 */
export class YamlNodes {
  constructor(
    private readonly doc: Document.Parsed,
    readonly src: YamlSource,
  ) {}

  /** Nothing written: no value, or an empty plain scalar (`key:` with nothing after it). */
  static isEmpty(node: unknown): boolean {
    return (
      node === null ||
      node === undefined ||
      (yamlLib().isScalar(node) && node.type === 'PLAIN' && node.value === '')
    );
  }

  /** How a node is named in messages. */
  static describe(node: unknown): string {
    if (YamlNodes.isEmpty(node)) return 'nothing';
    if (yamlLib().isSeq(node)) return 'a list';
    if (yamlLib().isMap(node)) return 'a mapping';
    if (yamlLib().isScalar(node)) return `the text "${String(node.value)}"`;
    return 'something else';
  }

  /** Offset of a node in the YAML text. */
  static start(node: unknown): number {
    return rangeOf(node)?.[0] ?? 0;
  }

  /** Follows an alias to its anchor; an unknown alias is a YAML error. */
  deref(node: unknown): unknown {
    if (!yamlLib().isAlias(node)) return node;
    const target = node.resolve(this.doc);
    if (target === undefined) {
      throw this.error('CFG_YAML_SYNTAX', node, `unknown alias "*${node.source}"`);
    }
    return target;
  }

  /** A value that must be text (a scalar). */
  text(value: unknown, key: string, what: string): Scalar<string> {
    if (yamlLib().isScalar(value)) return value as Scalar<string>;
    throw this.shape(value, `"${key}" needs ${what}, found ${YamlNodes.describe(value)}`);
  }

  /** A value that must be one identifier (a block name, a meta key). */
  identifier(value: unknown, key: string, what: string): string {
    const node = this.text(value, key, what);
    try {
      const cursor = new TokenCursor(lexFragment(node.value));
      const name = cursor.expectNonWhite(['ident'], what);
      cursor.expectNonWhite(['endl'], `the end of ${what}`);
      return name.value;
    } catch (e) {
      throw this.fragmentError(e, node, 0);
    }
  }

  /** A filter: text in the `.cfg` filter syntax, or a list of such texts (words, OR). */
  filter(value: unknown, what: string): Filter {
    if (YamlNodes.isEmpty(value)) {
      throw this.shape(value, `"${what}" needs a filter`, {
        hint: 'write the filter as in .cfg ("a.b..c, d") or as a list of words',
      });
    }
    const parse = (node: Scalar): readonly FilterWord[] => {
      try {
        return parseFilterText(String(node.value)).words;
      } catch (e) {
        throw this.fragmentError(e, node, 0);
      }
    };
    if (yamlLib().isScalar(value)) return { words: parse(value) };
    if (yamlLib().isSeq(value)) {
      if (value.items.length === 0) throw this.shape(value, `"${what}" needs at least one word`);
      const words: FilterWord[] = [];
      for (const item of value.items) {
        const node = this.deref(item);
        if (!yamlLib().isScalar(node)) {
          throw this.shape(
            node,
            `a word of a filter must be text, found ${YamlNodes.describe(node)}`,
          );
        }
        words.push(...parse(node));
      }
      return { words };
    }
    throw this.shape(
      value,
      `expected a filter (text or a list of words), found ${YamlNodes.describe(value)}`,
    );
  }

  shape(node: unknown, message: string, extra: { hint?: string | undefined } = {}): ConfigError {
    return this.error('CFG_YAML_SHAPE', node, message, extra.hint);
  }

  error(code: ConfigErrorCode, node: unknown, message: string, hint?: string): ConfigError {
    const range = rangeOf(node);
    return new ConfigError(code, message, {
      location: range ? this.src.location(range[0], range[1] - range[0]) : this.src.location(0),
      related: includeRelated(this.src.includedFrom),
      ...(hint === undefined ? {} : { hint }),
    });
  }

  /**
   * A `LineError` from Cartesian text inside a scalar, as a `ConfigError` at its character
   * (`base` is where the text starts in the scalar's value); anything else is returned as is.
   */
  fragmentError(e: unknown, node: Scalar, base: number): unknown {
    if (!(e instanceof LineError)) return e;
    return new ConfigError(e.code, e.message, {
      location: this.src.location(this.scalarOffset(node, base + e.pos)),
      related: includeRelated(this.src.includedFrom),
    });
  }

  /**
   * The offset in the YAML text of index `i` of a scalar's value. Exact for plain and quoted
   * scalars written without escapes or line folding; otherwise the scalar's start.
   */
  private scalarOffset(node: Scalar, i: number): number {
    const range = node.range;
    if (!range) return 0;
    const [a, b] = range;
    const value = String(node.value);
    const text = this.src.text;
    if (node.type === 'PLAIN' && text.slice(a, b) === value) return a + i;
    const quoted = node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE';
    if (quoted && text.slice(a + 1, b - 1) === value) return a + 1 + i;
    return a;
  }
}

function rangeOf(node: unknown): readonly [number, number] | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  if (!range || range[0] === undefined || range[1] === undefined) return undefined;
  return [range[0], range[1]];
}

/**
 * Walks a parsed YAML document and builds the syntax tree (`AstStatement`s) the `.cfg` parser
 * would build for the same config; `docs/yaml-config.md` describes the form. Every piece of
 * Cartesian text inside the YAML (filters, names, meta data) is read with the `.cfg` lexer
 * and filter grammar, so it means the same and fails with the same codes.
 */
import type { Document, Scalar } from 'yaml';
import { ConfigError } from '../../errors.js';
import type { AstStatement } from '../ast.js';
import type { ConfigFs } from '../config-fs.js';
import type { Filter } from '../filter.js';
import type { IncludeContext, IncludeLoader } from '../parse-cfg.js';
import { pyLstrip, pyStrip } from '../python-text.js';
import { resolveInclude } from '../resolve-include.js';
import type { StatementSource } from '../tree.js';
import { classifyKey, type StatementKey } from './classify-key.js';
import { lexFragment } from './lex-fragment.js';
import { parseFilterText } from './parse-filter-text.js';
import { readVariants } from './read-variants.js';
import { TokenCursor } from './token-cursor.js';
import { yamlLib } from './yaml-lib.js';
import { YamlNodes } from './yaml-nodes.js';
import type { YamlSource } from './yaml-source.js';

export interface YamlAstBuilderOptions {
  cwd: string;
  fs: ConfigFs;
  report: (error: ConfigError) => void;
  maxIncludeDepth: number;
  loadInclude: IncludeLoader;
  context: IncludeContext;
}

const STATEMENT_HINT =
  'a YAML config is a list of statements, one per item: "- key: value", "- only: FILTER", ' +
  '"- if FILTER:" with a list below it, "- variants:" with a list of "- NAME:" below it';

const isEmpty = (node: unknown): boolean => YamlNodes.isEmpty(node);
const describe = (node: unknown): string => YamlNodes.describe(node);
const start = (node: unknown): number => YamlNodes.start(node);

export class YamlAstBuilder {
  /** Lists being read, so that an alias inside its own anchor is an error, not a hang. */
  private readonly active = new Set<unknown>();
  private readonly nodes: YamlNodes;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly src: YamlSource,
    private readonly options: YamlAstBuilderOptions,
  ) {
    this.nodes = new YamlNodes(doc, src);
  }

  /** The statements of the whole document. */
  document(): AstStatement[] {
    try {
      const node = this.nodes.deref(this.doc.contents);
      if (isEmpty(node)) return [];
      if (!yamlLib().isSeq(node)) {
        throw this.nodes.shape(node, `expected a list of statements, found ${describe(node)}`, {
          hint: yamlLib().isMap(node)
            ? 'start every statement with "- " (order matters and keys may repeat, so statements form a list)'
            : STATEMENT_HINT,
        });
      }
      return this.statements(node, false);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.options.report(e);
      return [];
    }
  }

  /** A list of statements; errors in one statement are reported and the next one is read. */
  private statements(list: { items: unknown[] }, inCondition: boolean): AstStatement[] {
    const out: AstStatement[] = [];
    if (this.active.has(list)) {
      throw this.nodes.shape(list, 'an alias refers to a list that contains it');
    }
    this.active.add(list);
    try {
      for (const item of list.items) {
        try {
          this.statement(item, inCondition, out);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          this.options.report(e);
        }
      }
    } finally {
      this.active.delete(list);
    }
    return out;
  }

  private statement(item: unknown, inCondition: boolean, out: AstStatement[]): void {
    const { nodes } = this;
    const node = nodes.deref(item);
    if (!yamlLib().isMap(node)) {
      const text = yamlLib().isScalar(node) ? String(node.value) : '';
      throw nodes.shape(node, `expected a statement ("KEY: VALUE"), found ${describe(node)}`, {
        hint: /[=:]/.test(text)
          ? `write YAML "key: value" (or "key +=: value" for other operators), not "${text}"`
          : STATEMENT_HINT,
      });
    }
    const [pair, second] = node.items;
    if (pair === undefined) throw nodes.shape(node, 'expected a statement, found an empty mapping');
    if (second !== undefined) {
      const keys = node.items.map((p) => (yamlLib().isScalar(p.key) ? String(p.key.value) : '?'));
      throw nodes.shape(
        second.key,
        `a statement is a mapping with one key, found ${node.items.length} (${keys.join(', ')})`,
        { hint: 'start every statement with "- "' },
      );
    }
    const keyNode = nodes.deref(pair.key);
    if (!yamlLib().isScalar(keyNode)) throw nodes.shape(keyNode, 'a statement key must be text');
    let key: StatementKey;
    try {
      key = classifyKey(String(keyNode.value));
    } catch (e) {
      throw nodes.fragmentError(e, keyNode, 0);
    }
    const value = nodes.deref(pair.value);
    const src = this.src.source(start(keyNode));
    switch (key.kind) {
      case 'assign': {
        if (!isEmpty(value) && !yamlLib().isScalar(value)) {
          throw nodes.shape(
            value,
            `the value of "${key.key}" must be text, found ${describe(value)}`,
            {
              hint: yamlLib().isSeq(value)
                ? `a list of words is one text ("${key.key}: a b c"); a condition is written "if FILTER:"`
                : 'quote the value if it contains ": " or starts with a YAML indicator',
            },
          );
        }
        const text = yamlLib().isScalar(value) ? String(value.value) : '';
        out.push({ kind: 'assign', op: key.op, key: key.key, value: text, src });
        return;
      }
      case 'cond': {
        if (key.filter === '') {
          throw nodes.error('CFG_SYNTAX', keyNode, 'a condition needs a filter: "if FILTER:"');
        }
        let filter: Filter;
        try {
          filter = parseFilterText(key.filter, true);
        } catch (e) {
          throw nodes.fragmentError(e, keyNode, key.filterStart);
        }
        const body = this.body(value, true, 'the body of a condition');
        out.push({ kind: 'cond', negated: key.negated, filter, body, src });
        return;
      }
      case 'keyword':
        break;
    }
    switch (key.keyword) {
      case 'only':
      case 'no':
      case 'join':
        out.push({ kind: key.keyword, filter: nodes.filter(value, key.keyword), src });
        return;
      case 'del': {
        const text = nodes.text(value, 'del', 'a parameter name');
        try {
          const cursor = new TokenCursor(lexFragment(text.value));
          const name = cursor.expectNonWhite(['ident'], 'one parameter name');
          cursor.expectNonWhite(
            ['endl'],
            'the end of the name (del takes a single name made of letters, digits, "_" and "-")',
          );
          out.push({ kind: 'del', key: name.value, src });
        } catch (e) {
          throw nodes.fragmentError(e, text, 0);
        }
        return;
      }
      case 'suffix': {
        const text = nodes.text(value, 'suffix', 'a suffix name');
        try {
          const cursor = new TokenCursor(lexFragment(text.value));
          const name = cursor.expect(['ident'], 'a suffix name');
          cursor.expect(
            ['endl'],
            'the end of the suffix (one name made of letters, digits, "_" and "-")',
          );
          out.push({ kind: 'suffix', suffix: name.value, src });
        } catch (e) {
          throw nodes.fragmentError(e, text, 0);
        }
        return;
      }
      case 'include':
        out.push(this.include(value, keyNode, src));
        return;
      case 'variants':
        if (inCondition) {
          throw nodes.error(
            'CFG_VARIANTS_IN_CONDITION',
            keyNode,
            "'variants' is not allowed inside a conditional block",
          );
        }
        out.push(
          readVariants(value, keyNode, src, {
            nodes,
            report: this.options.report,
            body: (v, what) => this.body(v, false, what),
          }),
        );
        return;
    }
  }

  /** A body: nothing, or a list of statements. */
  private body(value: unknown, inCondition: boolean, what: string): AstStatement[] {
    if (isEmpty(value)) return [];
    if (yamlLib().isSeq(value)) return this.statements(value, inCondition);
    throw this.nodes.shape(
      value,
      `expected a list of statements for ${what}, found ${describe(value)}`,
      {
        hint: yamlLib().isMap(value)
          ? 'start every statement with "- "'
          : 'put the statements in a list below the key, one "- key: value" per line',
      },
    );
  }

  /** `include PATH`: resolved and checked like `.cfg` includes, then loaded by extension. */
  private include(value: unknown, keyNode: Scalar, src: StatementSource): AstStatement {
    const { nodes } = this;
    const node = nodes.text(value, 'include', 'a path');
    const raw = pyStrip(node.value);
    if (raw === '') throw nodes.shape(node, '"include" needs a path');
    const { context, cwd, fs, maxIncludeDepth, loadInclude } = this.options;
    let target;
    try {
      target = resolveInclude(
        raw,
        { file: this.src.file, isFile: this.src.file !== '<string>', chain: context.chain },
        cwd,
        fs,
        maxIncludeDepth,
      );
    } catch (e) {
      throw nodes.fragmentError(e, node, node.value.length - pyLstrip(node.value).length);
    }
    const included: IncludeContext = {
      chain: [...context.chain, target.real],
      includedFrom: [
        { file: this.src.file, line: this.src.line(start(keyNode)) },
        ...context.includedFrom,
      ],
    };
    try {
      return {
        kind: 'include',
        path: raw,
        file: loadInclude(target.abs, target.path, included),
        src,
      };
    } catch (e) {
      if (e instanceof ConfigError && e.code === 'CFG_READ') {
        throw nodes.error('CFG_READ', node, e.message);
      }
      throw e;
    }
  }
}

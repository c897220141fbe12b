/**
 * Turns syntax trees into the parse DAG the expander walks, as the reference builds it while
 * parsing (cartesian-spec §8): statements append to the current node; a variants block makes
 * a new node whose variants each have the previous node as their only child; a block's last
 * `suffix` applies at the end of the block; an include appends into the current node.
 */
import { ConfigError } from '../errors.js';
import { type AstStatement, type AstVariants, matchDefaults } from './ast.js';
import { statementDiagnostic } from './config-lines.js';
import { makeLabel } from './filter.js';
import { type ConditionStatement, type Statement, type SuffixStatement, TreeNode } from './tree.js';

type Container = TreeNode | ConditionStatement;

/** Conditions are numbered so the expander can keep their outcomes in an array. */
let nextConditionId = 0;

export interface TreeBuilderOptions {
  /** Defaults mode: the block default is moved to the front of its block. */
  defaults: boolean;
  /** Blocks that get no default. */
  expandDefaults: readonly string[];
  report: (error: ConfigError) => void;
}

export class TreeBuilder {
  constructor(private readonly options: TreeBuilderOptions) {}

  /** Appends one top level (a file or a string) to `root`; returns the new root. */
  build(statements: readonly AstStatement[], root: TreeNode): TreeNode {
    const node = this.block(statements, root);
    if (!(node instanceof TreeNode)) throw new Error('a top level cannot end inside a condition');
    return node;
  }

  private block(statements: readonly AstStatement[], container: Container): Container {
    let node = container;
    let suffix: SuffixStatement | undefined;
    for (const st of statements) {
      switch (st.kind) {
        case 'assign':
        case 'del':
        case 'only':
        case 'no':
        case 'join':
          contentOf(node).push(st);
          break;
        case 'suffix':
          // The last suffix of a block wins; it applies when the block ends.
          suffix = st;
          break;
        case 'cond': {
          const cond: ConditionStatement = {
            kind: 'cond',
            cid: nextConditionId++,
            negated: st.negated,
            filter: st.filter,
            body: [],
            src: st.src,
          };
          this.block(st.body, cond);
          contentOf(node).push(cond);
          break;
        }
        case 'include':
          node = this.block(st.file.statements, node);
          break;
        case 'variants':
          if (!(node instanceof TreeNode)) {
            this.options.report(
              new ConfigError(
                'CFG_VARIANTS_IN_CONDITION',
                "'variants' is not allowed inside a conditional block",
                statementDiagnostic(st.src),
              ),
            );
            break;
          }
          // A header without variants (the block ends at once) changes nothing.
          if (st.variants.length > 0) node = this.variants(st, node);
          break;
      }
    }
    if (suffix !== undefined) contentOf(node).push(suffix);
    return node;
  }

  private variants(st: AstVariants, previous: TreeNode): TreeNode {
    const block = new TreeNode();
    const varName = st.name;
    const markDefault = !this.options.expandDefaults.includes(varName);
    // Which variants a [default=…] marks: each value is used up by the first that agrees.
    const marked = new Set<number>();
    matchDefaults(st.meta, st.variants, (i) => marked.add(i));
    let alreadyDefault = false;
    st.variants.forEach((v, index) => {
      const body = new TreeNode();
      body.children = [previous];
      const joined = v.names.join('.');
      if (varName !== '') {
        body.content.push({ kind: 'assign', op: '=', key: varName, value: joined, src: v.src });
      }
      const variant = this.block(v.body, body);
      if (!(variant instanceof TreeNode)) throw new Error('a variant body cannot be a condition');
      variant.name = v.names.map((n) => makeLabel(n, varName === '' ? undefined : varName));
      if (varName !== '') variant.varName = varName;
      variant.dep = v.deps;
      variant.src = v.src;
      const isDefault = v.at || marked.has(index);
      if (isDefault && !alreadyDefault && markDefault) {
        variant.isDefault = true;
        alreadyDefault = true;
      }
      variant.appendToShortname = !isDefault;
      variant.content.push({
        kind: 'mapfile',
        file:
          v.src.file === '<string>'
            ? '<string>'
            : v.src.file.slice(v.src.file.lastIndexOf('/') + 1),
        long: variant.name.map((l) => l.long).join('.'),
        short: joined,
      });
      if (variant.isDefault && this.options.defaults) block.children.unshift(variant);
      else block.children.push(variant);
    });
    return block;
  }
}

function contentOf(c: Container): Statement[] {
  return c instanceof TreeNode ? c.content : c.body;
}

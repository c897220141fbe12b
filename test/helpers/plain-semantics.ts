/**
 * The plain semantics of cartesian-spec §8, as a test oracle for the expander: enumerate every
 * path of the DAG without any pruning or caching, keep a path when every `only` / `no` (also
 * inside conditions that apply) passes against its full name, then build its dict from
 * scratch. The expander must yield exactly these dicts, in the same order.
 */
import { DictBuilder, dropSuffixes } from '../../src/parser/dict-builder.js';
import { joinName } from '../../src/parser/expander.js';
import { filterMatches } from '../../src/parser/filter-match.js';
import type { CtxLabel, Filter } from '../../src/parser/filter.js';
import { applyPostfix } from '../../src/parser/postfix.js';
import { ShapedDict } from '../../src/parser/shaped-dict.js';
import type { Statement, TreeNode } from '../../src/parser/tree.js';

export interface PlainOptions {
  skipdups?: boolean;
  defaults?: boolean;
  expandDefaults?: readonly string[];
}

/** All dicts of the tree, flattened, in generation order. */
export function plainDicts(root: TreeNode, options: PlainOptions = {}): ShapedDict[] {
  const skipdups = options.skipdups ?? true;
  const out = dictsOf(root, [], [], options, skipdups);
  for (const d of out) dropSuffixes(d, skipdups);
  return out;
}

/** `get_dicts`: a node with joins yields the product of its operands' expansions. */
function dictsOf(
  node: TreeNode,
  above: readonly TreeNode[],
  filters: readonly Filter[],
  options: PlainOptions,
  skipdups: boolean,
): ShapedDict[] {
  const joins = node.content.filter((s) => s.kind === 'join');
  if (joins.length === 0) return plainRun(node, above, filters, options, skipdups);
  const operands: Filter[] = [];
  for (const j of joins) for (const w of j.filter.words) operands.push({ words: [w] });
  // Like the reference, an operand is expanded only when the ones before it yielded a dict.
  const product = (i: number): ShapedDict[] => {
    const first = plainRun(node, above, [...filters, operands[i] as Filter], options, skipdups);
    if (i === operands.length - 1 || first.length === 0) return first;
    const rest = product(i + 1);
    const out: ShapedDict[] = [];
    for (const d1 of first) {
      for (const d2 of rest) {
        const d = d1.clone();
        for (const [k, v] of d2) d.set(k, v);
        const name = joinName(d1.get('name') as string, d2.get('name') as string);
        const short = joinName(d1.get('shortname') as string, d2.get('shortname') as string);
        if (name === undefined || short === undefined) throw new Error('join name clash');
        d.set('name', name);
        d.set('shortname', short);
        out.push(d);
      }
    }
    return out;
  };
  return product(0);
}

/** `get_dicts_plain`: every path from `start`, kept when all its filters pass. */
function plainRun(
  start: TreeNode,
  above: readonly TreeNode[],
  filters: readonly Filter[],
  options: PlainOptions,
  skipdups: boolean,
): ShapedDict[] {
  const result: ShapedDict[] = [];
  const walk = (n: TreeNode, path: readonly TreeNode[]): number => {
    if (n !== start && n.content.some((s) => s.kind === 'join')) {
      const ds = dictsOf(n, path, filters, options, skipdups);
      result.push(...ds);
      return ds.length;
    }
    const here = [...path, n];
    if (n.children.length === 0) {
      const d = leaf(here, filters, skipdups);
      if (d !== undefined) result.push(d);
      return d === undefined ? 0 : 1;
    }
    let count = 0;
    const defaultsHere =
      options.defaults === true &&
      !(n.varName !== undefined && (options.expandDefaults ?? []).includes(n.varName));
    for (const c of n.children) {
      count += walk(c, here);
      if (defaultsHere && c.isDefault && count > 0) break;
    }
    return count;
  };
  walk(start, above);
  return result;
}

function leaf(
  nodes: readonly TreeNode[],
  filters: readonly Filter[],
  skipdups: boolean,
): ShapedDict | undefined {
  const ctx: CtxLabel[] = nodes.flatMap((n) => [...n.name]);
  const passes = (items: readonly Statement[]): boolean => {
    for (const s of items) {
      if (s.kind === 'only' && !filterMatches(s.filter, ctx)) return false;
      if (s.kind === 'no' && filterMatches(s.filter, ctx)) return false;
      if (s.kind === 'cond' && filterMatches(s.filter, ctx) !== s.negated && !passes(s.body))
        return false;
    }
    return true;
  };
  for (const n of nodes) if (!passes(n.content)) return undefined;
  for (const f of filters) if (!filterMatches(f, ctx)) return undefined;
  const d = new ShapedDict();
  d.set('name', ctx.map((l) => l.long).join('.'));
  const dep: string[] = [];
  const prefix: string[] = [];
  for (const n of nodes) {
    for (const w of n.dep?.words ?? []) {
      for (const b of w) dep.push([...prefix, ...b.map((l) => l.text)].join('.'));
    }
    prefix.push(...n.name.map((l) => l.long));
  }
  d.set('dep', dep);
  d.set(
    'shortname',
    nodes
      .filter((n) => n.appendToShortname)
      .flatMap((n) => n.name.map((l) => l.name))
      .join('.'),
  );
  const b = new DictBuilder(d, ctx, skipdups);
  for (let i = nodes.length - 1; i >= 0; i--) b.applyAll((nodes[i] as TreeNode).content);
  applyPostfix(d);
  return d;
}

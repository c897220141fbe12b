/**
 * Expands the parse DAG into dicts, lazily (cartesian-spec §8–§11). A depth-first walk with an
 * explicit stack keeps memory flat however many dicts come out. Filters are decided as early
 * as the labels seen so far and the labels still reachable below allow, so a failing `only`
 * prunes a whole subtree. A leaf's dict is built by applying the statements of its path in
 * textual order (deepest node first).
 */
import { ConfigError } from '../errors.js';
import { statementDiagnostic } from './config-lines.js';
import { dropSuffixes } from './dict-builder.js';
import type { ParamDict, ParamValue } from './dict.js';
import { EmptyBlockError, filterMatches, filterMightMatch, type LabelSet } from './filter-match.js';
import type { CtxLabel, Filter } from './filter.js';
import { ConditionLog, LeafBuilder, type LevelFacts, type LevelKey } from './leaf-builder.js';
import { pyPrefixRegex } from './py-regex.js';
import type { ShapedDict } from './shaped-dict.js';
import type {
  ConditionStatement,
  FilterStatement,
  JoinStatement,
  Statement,
  TreeNode,
} from './tree.js';

/**
 * Name of a dict made by `join` from two dicts (the reference's `mk_name`): the common prefix
 * of the two names, cut back to its last `.`, is kept once. The prefix is used as a Python
 * regex, unescaped, which is why named-variant names keep their prefix (cartesian-spec §10).
 * Returns undefined where the reference fails: equal names, or one a prefix of the other.
 */
export function joinName(n1: string, n2: string): string | undefined {
  const n = Math.min(n1.length, n2.length);
  let i = 0;
  while (i < n && n1[i] === n2[i]) i++;
  if (i === n) return undefined;
  const common = n1.slice(0, i);
  const cut = common.lastIndexOf('.');
  const cp = cut < 0 ? '' : common.slice(0, cut);
  if (cp === '') return `${n1}.${n2}`;
  const re = pyPrefixRegex(cp);
  return cp + n1.replace(re, '') + n2.replace(re, '');
}

export interface ExpandOptions {
  /**
   * Drop or merge suffixed copies that agree (the reference library's default; its CLI's `-s`
   * turns it off). @default true
   */
  skipdups?: boolean;
  /** Defaults mode, as given to the parser. @default false */
  defaults?: boolean;
  /** Blocks without a default in defaults mode, as given to the parser. @default [] */
  expandDefaults?: readonly string[];
  /**
   * Most dicts a `join` operand may have (they are kept in memory to multiply them).
   * @default 100000
   */
  maxJoinOperand?: number;
}

type Pending = FilterStatement | ConditionStatement;

interface NodeInfo {
  /** Filters and conditions of the node's own content, in order. */
  readonly filters: readonly Pending[];
  readonly joins: readonly JoinStatement[];
  readonly desc: LabelSet;
  readonly level: LevelFacts;
}

/** Where a (sub-)expansion starts: the path above the start node. */
interface Base {
  readonly ctx: readonly CtxLabel[];
  readonly short: readonly string[];
  readonly dep: readonly string[];
  readonly pending: readonly Pending[];
  readonly path: readonly TreeNode[];
  /** The leaf builder's cache key of each level of `path`. */
  readonly keys: readonly LevelKey[];
}

interface Frame {
  readonly node: TreeNode;
  readonly info: NodeInfo;
  readonly ctxBefore: number;
  readonly shortBefore: number;
  readonly dep: readonly string[];
  readonly pending: readonly Pending[];
  readonly startCount: number;
  /** The dict name and short name so far (labels joined by "."). */
  readonly name: string;
  readonly shortName: string;
  /** Where the condition log stood before this node decided anything. */
  readonly logMark: number;
  /** Defaults mode applies to this node's children. */
  readonly defaultsHere: boolean;
  childIdx: number;
}

const EMPTY_SET: LabelSet = { names: new Set(), longs: new Set() };

/**
 * A share of one expansion, for expanding in several threads: the subtrees entered at `depth`
 * are numbered in walk order ("chunks"), and only those `take` accepts are expanded. Every
 * thread walks the same tree the same way, so they agree on the numbering; the dicts of all
 * chunks, put in chunk order, are the dicts of the whole expansion. The walk keeps the two
 * counters up to date, so a consumer can tell which chunk each dict comes from.
 */
export interface ExpandShare {
  readonly depth: number;
  /** Whether this thread expands chunk `n`; dicts outside every chunk come with chunk -1. */
  readonly take: (chunk: number) => boolean;
  /** Chunks entered so far. */
  started: number;
  /** The chunk being expanded, or -1 between chunks. */
  current: number;
}

/**
 * Yields the dicts of a parse tree; suffixes are flattened on every dict it yields. With a
 * `share`, only that share's dicts (see ExpandShare; not in defaults mode, whose choice of
 * the default variant depends on what the variants before it yielded).
 */
export function* expandTree(
  root: TreeNode,
  options: ExpandOptions = {},
  share?: ExpandShare,
): Generator<ParamDict> {
  const skipdups = options.skipdups ?? true;
  const ex = new Expander(options, root);
  const base: Base = { ctx: [], short: [], dep: [], pending: [], path: [], keys: [] };
  if (share !== undefined && options.defaults === true) {
    throw new Error('expandTree: a share of the expansion cannot be taken in defaults mode');
  }
  const dicts =
    share === undefined || ex.hasJoins(root)
      ? ex.walk(root, base)
      : ex.walkShare(root, base, share);
  for (const d of dicts) {
    dropSuffixes(d, skipdups);
    yield d;
  }
}

class Expander {
  private readonly infos = new WeakMap<TreeNode, NodeInfo>();
  private readonly skipdups: boolean;
  private readonly defaults: boolean;
  private readonly expandDefaults: readonly string[];
  private readonly maxJoinOperand: number;
  private readonly leaves: LeafBuilder;

  constructor(options: ExpandOptions, root: TreeNode) {
    this.skipdups = options.skipdups ?? true;
    this.defaults = options.defaults ?? false;
    this.expandDefaults = options.expandDefaults ?? [];
    this.maxJoinOperand = options.maxJoinOperand ?? 100_000;
    this.leaves = new LeafBuilder({ skipdups: this.skipdups });
    this.leaves.prepare(root);
  }

  hasJoins(node: TreeNode): boolean {
    return this.info(node).joins.length > 0;
  }

  walkShare(node: TreeNode, base: Base, share: ExpandShare): Generator<ShapedDict> {
    return this.run(node, base, undefined, share);
  }

  /** A node with `join` statements yields the product of its subtree's dicts per operand. */
  walk(node: TreeNode, base: Base): Generator<ShapedDict> {
    const info = this.info(node);
    if (info.joins.length === 0) return this.run(node, base, undefined);
    const operands: Filter[] = [];
    for (const j of info.joins) for (const word of j.filter.words) operands.push({ words: [word] });
    return this.multiply(node, base, operands, 0, info.joins[0] as JoinStatement);
  }

  private *multiply(
    node: TreeNode,
    base: Base,
    operands: readonly Filter[],
    i: number,
    join: JoinStatement,
  ): Generator<ShapedDict> {
    if (i === operands.length - 1) {
      yield* this.run(node, base, operands[i]);
      return;
    }
    // The rest of the product is the same for every dict of this operand: expand it once,
    // while the first dict is being multiplied (so errors surface where the reference's do).
    const cache: ShapedDict[] = [];
    let rest: Iterator<ShapedDict> | undefined;
    let complete = false;
    for (const d1 of this.run(node, base, operands[i])) {
      rest ??= this.multiply(node, base, operands, i + 1, join);
      let k = 0;
      for (;;) {
        let d2: ShapedDict;
        if (k < cache.length) d2 = cache[k] as ShapedDict;
        else if (complete) break;
        else {
          const r = rest.next();
          if (r.done === true) {
            complete = true;
            break;
          }
          d2 = r.value;
          cache.push(d2);
          if (cache.length > this.maxJoinOperand) {
            throw new ConfigError(
              'CFG_JOIN_LIMIT',
              `join operands after the first expand to more than ${this.maxJoinOperand} dicts`,
              {
                ...statementDiagnostic(join.src),
                hint: 'narrow the operands with only/no, or raise the limit (maxJoinOperand)',
              },
            );
          }
        }
        k++;
        yield this.merge(d1, d2, join);
      }
    }
  }

  private merge(d1: ShapedDict, d2: ShapedDict, join: JoinStatement): ShapedDict {
    const d = d1.clone();
    const keys = d2.shape.keys;
    for (let i = 0; i < keys.length; i++) d.set(keys[i] as string, d2.vals[i] as ParamValue);
    for (const key of ['name', 'shortname'] as const) {
      const a = d1.get(key);
      const b = d2.get(key);
      const merged = typeof a === 'string' && typeof b === 'string' ? joinName(a, b) : undefined;
      if (merged === undefined) {
        throw new ConfigError(
          'CFG_JOIN_NAME_CLASH',
          `join cannot combine "${typeof a === 'string' ? a : ''}" with "${typeof b === 'string' ? b : ''}": one ${key} equals or starts the other`,
          {
            ...statementDiagnostic(join.src),
            hint: 'join operands must select variants with different names',
          },
        );
      }
      d.set(key, merged);
    }
    return d;
  }

  /** Depth-first expansion from `start`; `extra` is a join operand's `only` filter. */
  private *run(
    start: TreeNode,
    base: Base,
    extra: Filter | undefined,
    share?: ExpandShare,
  ): Generator<ShapedDict> {
    const ctx = base.ctx.slice();
    const short = base.short.slice();
    const path = base.path.slice();
    const keys = base.keys.slice();
    let yielded = 0;
    const stack: Frame[] = [];
    const log = new ConditionLog();

    const enter = (
      node: TreeNode,
      pending: readonly Pending[],
      depIn: readonly string[],
      parentDesc: LabelSet | undefined,
      parentName: string,
      parentShort: string,
    ): Frame | null => {
      const info = this.info(node);
      let dep = depIn;
      if (node.dep !== undefined) {
        const prefix = ctx.map((l) => l.long);
        for (const word of node.dep.words) {
          for (const block of word) {
            dep = [...dep, [...prefix, ...block.map((l) => l.text)].join('.')];
          }
        }
      }
      const ctxBefore = ctx.length;
      const logMark = log.mark();
      for (const l of node.name) ctx.push(l);
      const out: Pending[] = [];
      // A node without labels whose subtree has the same labels as its parent's cannot change
      // the outcome of what was undecided above it: those items are passed on unchecked.
      const unchanged = node.name.length === 0 && info.desc === parentDesc;
      const ok =
        this.process(info.filters, out, ctx, info.desc, false, log) &&
        (node !== start ||
          extra === undefined ||
          this.processOnly(extra, out, ctx, info.desc, start)) &&
        (unchanged
          ? (out.push(...pending), true)
          : this.process(pending, out, ctx, info.desc, false, log));
      if (!ok) {
        ctx.length = ctxBefore;
        log.undo(logMark);
        return null;
      }
      const shortBefore = short.length;
      if (node.appendToShortname) for (const l of node.name) short.push(l.name);
      // Names grow with the path; building them here costs one join per node, not per leaf.
      let name = parentName;
      let shortName = parentShort;
      if (node.name.length > 0) {
        const long = node.name.map((l) => l.long).join('.');
        name = name === '' ? long : `${name}.${long}`;
        if (node.appendToShortname) {
          const bare = node.name.map((l) => l.name).join('.');
          shortName = shortName === '' ? bare : `${shortName}.${bare}`;
        }
      }
      path.push(node);
      keys.push(this.leaves.earlyKey(node, info.level, log));
      return {
        node,
        info,
        ctxBefore,
        shortBefore,
        dep,
        pending: out,
        startCount: yielded,
        name,
        shortName,
        logMark,
        defaultsHere:
          this.defaults &&
          !(node.varName !== undefined && this.expandDefaults.includes(node.varName)),
        childIdx: 0,
      };
    };
    const leave = (f: Frame): void => {
      log.undo(f.logMark);
      // Popping beats setting length for the one or two labels a node adds.
      while (ctx.length > f.ctxBefore) ctx.pop();
      while (short.length > f.shortBefore) short.pop();
      path.pop();
      keys.pop();
      stack.pop();
      if (share !== undefined && stack.length === share.depth) share.current = -1;
    };

    const first = enter(
      start,
      base.pending,
      base.dep,
      undefined,
      ctx.map((l) => l.long).join('.'),
      short.join('.'),
    );
    if (first === null) return;
    stack.push(first);
    while (stack.length > 0) {
      const f = stack[stack.length - 1] as Frame;
      const children = f.node.children;
      if (children.length === 0) {
        if (share !== undefined && share.current === -1 && !share.take(-1)) {
          leave(f);
          continue;
        }
        yielded++;
        yield this.leaves.build(ctx, f.name, f.shortName, f.dep, path, keys, log);
        leave(f);
        continue;
      }
      if (f.defaultsHere && f.childIdx > 0) {
        const prev = children[f.childIdx - 1] as TreeNode;
        if (prev.isDefault && yielded > f.startCount) {
          leave(f);
          continue;
        }
      }
      if (f.childIdx >= children.length) {
        leave(f);
        continue;
      }
      const child = children[f.childIdx++] as TreeNode;
      const chunk = share !== undefined && stack.length === share.depth;
      if (chunk) {
        const n = share.started++;
        if (!share.take(n)) continue;
        share.current = n;
      }
      if (this.info(child).joins.length > 0) {
        const sub: Base = { ctx, short, dep: f.dep, pending: f.pending, path, keys };
        for (const d of this.walk(child, sub)) {
          yielded++;
          yield d;
        }
        if (chunk) share.current = -1;
        continue;
      }
      const cf = enter(child, f.pending, f.dep, f.info.desc, f.name, f.shortName);
      if (cf !== null) stack.push(cf);
      else if (chunk) share.current = -1;
    }
  }

  /**
   * Decides filters and conditions against the path so far (the reference's
   * `process_content`): false when the subtree cannot yield; undecided items go to `out`,
   * matched conditions are unpacked in place.
   */
  private process(
    items: readonly (Pending | Statement)[],
    out: Pending[],
    ctx: readonly CtxLabel[],
    desc: LabelSet,
    inCondition: boolean,
    log?: ConditionLog,
  ): boolean {
    for (const item of items) {
      try {
        switch (item.kind) {
          case 'only':
            if (filterMatches(item.filter, ctx)) continue;
            if (!filterMightMatch(item.filter, ctx, ctx.length, desc)) return false;
            out.push(item);
            continue;
          case 'no':
            if (filterMatches(item.filter, ctx)) return false;
            if (filterMightMatch(item.filter, ctx, ctx.length, desc)) out.push(item);
            continue;
          case 'cond': {
            const decided = item.negated
              ? !filterMightMatch(item.filter, ctx, ctx.length, desc)
              : filterMatches(item.filter, ctx);
            if (decided) {
              log?.set(item, true);
              if (!this.process(item.body, out, ctx, desc, true, log)) return false;
            } else if (
              item.negated
                ? !filterMatches(item.filter, ctx)
                : filterMightMatch(item.filter, ctx, ctx.length, desc)
            ) {
              out.push(item);
            } else {
              log?.set(item, false);
            }
            continue;
          }
          case 'join':
            if (inCondition) {
              throw new ConfigError(
                'CFG_JOIN_IN_CONDITION',
                'join is not allowed inside a condition',
                {
                  ...statementDiagnostic(item.src),
                  hint: 'write join directly in a variant or at the top level',
                },
              );
            }
            continue;
          default:
            continue;
        }
      } catch (e) {
        if (!(e instanceof EmptyBlockError) || item.kind === 'mapfile') throw e;
        throw new ConfigError('CFG_EMPTY_FILTER_BLOCK', 'filter has an empty ".." block', {
          ...statementDiagnostic(item.src),
          hint: 'a space before "." starts a new word: write "a..b" or "a, b"',
        });
      }
    }
    return true;
  }

  private processOnly(
    filter: Filter,
    out: Pending[],
    ctx: readonly CtxLabel[],
    desc: LabelSet,
    node: TreeNode,
  ): boolean {
    const join = this.info(node).joins[0] as JoinStatement;
    return this.process([{ kind: 'only', filter, src: join.src }], out, ctx, desc, false);
  }

  private info(node: TreeNode): NodeInfo {
    let info = this.infos.get(node);
    if (info === undefined) {
      const filters: Pending[] = [];
      const joins: JoinStatement[] = [];
      for (const s of node.content) {
        if (s.kind === 'only' || s.kind === 'no' || s.kind === 'cond') filters.push(s);
        else if (s.kind === 'join') joins.push(s);
      }
      info = { filters, joins, desc: this.descOf(node), level: this.leaves.facts(node) };
      this.infos.set(node, info);
    }
    return info;
  }

  private readonly descs = new WeakMap<TreeNode, LabelSet>();

  /** Labels that can follow this node on a path: those of every node below it. */
  private descOf(node: TreeNode): LabelSet {
    const known = this.descs.get(node);
    if (known !== undefined) return known;
    let result: LabelSet;
    const only = node.children.length === 1 ? node.children[0] : undefined;
    if (node.children.length === 0) {
      result = EMPTY_SET;
    } else if (only !== undefined && only.name.length === 0) {
      result = this.descOf(only);
    } else {
      const names = new Set<string>();
      const longs = new Set<string>();
      for (const c of node.children) {
        for (const l of c.name) {
          names.add(l.name);
          if (l.varName !== undefined) longs.add(l.long);
        }
        const below = this.descOf(c);
        for (const n of below.names) names.add(n);
        for (const n of below.longs) longs.add(n);
      }
      result = { names, longs };
    }
    this.descs.set(node, result);
    return result;
  }
}

/**
 * Builds leaf dicts, reusing work between leaves. A leaf applies its path's node contents from
 * the deepest node up; leaves that share the deep end of their path (and agree on the
 * conditions there) share the partial dict, which is kept in a trie keyed from the deepest
 * node upwards. Only levels that many paths pass through and that have few paths below are
 * cached, within a fixed budget, so memory stays bounded however many dicts are produced.
 */
import { DictBuilder } from './dict-builder.js';
import { filterMatches } from './filter-match.js';
import type { CtxLabel } from './filter.js';
import { applyPostfix } from './postfix.js';
import { ShapedDict } from './shaped-dict.js';
import type { ConditionStatement, Statement, TreeNode } from './tree.js';

/**
 * The conditions decided on the current path, with whether each applies. The expander decides
 * a condition as soon as the labels seen so far allow (and then it stays decided for every
 * leaf below), so leaves look the outcome up instead of matching the filter again. Entries
 * are undone in stack order when the walk goes back up. Outcomes live in an array indexed by
 * the condition's number: this is on the hot path of every leaf.
 */
export class ConditionLog {
  /** 0 undecided, 1 applies, 2 does not apply. */
  private outcomes = new Uint8Array(256);
  private order: number[] = [];

  /** Whether the condition applies, or undefined while it is undecided. */
  get(cond: ConditionStatement): boolean | undefined {
    const o = this.outcomes[cond.cid];
    return o === 1 ? true : o === 2 ? false : undefined;
  }

  set(cond: ConditionStatement, applies: boolean): void {
    const id = cond.cid;
    if (id >= this.outcomes.length) {
      const grown = new Uint8Array(Math.max(id + 1, this.outcomes.length * 2));
      grown.set(this.outcomes);
      this.outcomes = grown;
    }
    this.outcomes[id] = applies ? 1 : 2;
    this.order.push(id);
  }

  /** A position to go back to with `undo`. */
  mark(): number {
    return this.order.length;
  }

  undo(mark: number): void {
    const order = this.order;
    while (order.length > mark) this.outcomes[order.pop() as number] = 0;
  }
}

export interface LeafBuilderOptions {
  skipdups: boolean;
  /**
   * Cache a level only when at most this many different partial dicts can exist there (the
   * number of paths below the node above it). @default 20000
   */
  maxLevelWidth?: number;
  /** Most dict entries kept in the cache. @default 1000000 */
  maxCachedEntries?: number;
}

/** Trie key of a level: the node and the outcome of its conditions; null for an empty node. */
export type LevelKey = number | string | null;
/** A level that is never cached. */
export const UNCACHED = -1;

interface Trie {
  readonly state: ShapedDict;
  children: Map<LevelKey, Trie> | undefined;
}

/** What the leaf builder needs to know of a node, computed once per node. */
export interface LevelFacts {
  readonly id: number;
  readonly cacheable: boolean;
  readonly hasConditions: boolean;
}

const LEAF_IDENTITY = /\$\{(?:name|shortname|dep)\}/;

export class LeafBuilder {
  private nextId = 0;
  private readonly root: Trie;
  private cached = 0;
  private readonly skipdups: boolean;
  private readonly maxEntries: number;
  private readonly maxWidth: number;
  private readonly above = new WeakMap<TreeNode, number>();
  private builder: DictBuilder | undefined;
  /** For each node: the most paths below any node directly above it. */
  private readonly width = new WeakMap<TreeNode, number>();

  constructor(options: LeafBuilderOptions) {
    this.skipdups = options.skipdups;
    this.maxEntries = options.maxCachedEntries ?? 1_000_000;
    this.maxWidth = options.maxLevelWidth ?? 20_000;
    const initial = new ShapedDict().set('name', '').set('dep', []).set('shortname', '');
    this.root = { state: initial, children: undefined };
  }

  /**
   * Counts paths through the DAG under `root`. A level is worth caching when more than one
   * path leads to its node (its partial dict is then shared by every leaf below them) and
   * when the partial dicts that can exist there are few enough to keep: their number is the
   * number of paths below the node above it.
   */
  prepare(root: TreeNode): void {
    const order: TreeNode[] = [];
    const seen = new Set<TreeNode>();
    const visit = (n: TreeNode): void => {
      seen.add(n);
      for (const c of n.children) if (!seen.has(c)) visit(c);
      order.push(n);
    };
    visit(root);
    const below = new Map<TreeNode, number>();
    for (const n of order) {
      let paths = 0;
      for (const c of n.children) paths += below.get(c) ?? 1;
      below.set(n, Math.min(Math.max(1, paths), 1e15));
    }
    const counts = new Map<TreeNode, number>([[root, 1]]);
    this.width.set(root, below.get(root) ?? 1);
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i] as TreeNode;
      const here = counts.get(n) ?? 0;
      this.above.set(n, here);
      const b = below.get(n) ?? 1;
      for (const c of n.children) {
        counts.set(c, Math.min((counts.get(c) ?? 0) + here, 1e15));
        this.width.set(c, Math.max(this.width.get(c) ?? 0, b));
      }
    }
  }

  /** Facts of a node (after `prepare`). */
  facts(node: TreeNode): LevelFacts {
    return {
      id: this.nextId++,
      cacheable:
        (this.above.get(node) ?? 1) >= 2 &&
        (this.width.get(node) ?? Infinity) <= this.maxWidth &&
        !usesLeafIdentity(node.content),
      hasConditions: node.content.some((s) => s.kind === 'cond'),
    };
  }

  /**
   * The key of a level, decided as early as possible: from the conditions the expander has
   * decided on the path so far. When one is still open the key is `-(id + 2)`: the leaf
   * decides it with the full path.
   */
  earlyKey(node: TreeNode, f: LevelFacts, log: ConditionLog): LevelKey {
    // A node without statements changes no dict: the walk steps over it.
    if (node.content.length === 0) return null;
    if (!f.cacheable) return UNCACHED;
    if (!f.hasConditions) return f.id;
    return conditionKey(f.id, node.content, (s) => log.get(s)) ?? -(f.id + 2);
  }

  /** The dict of the leaf whose path (top first) is `path`, with the levels' early keys. */
  build(
    ctx: readonly CtxLabel[],
    name: string,
    shortName: string,
    dep: readonly string[],
    path: readonly TreeNode[],
    keys: readonly LevelKey[],
    log: ConditionLog,
  ): ShapedDict {
    let t = this.root;
    let j = path.length - 1;
    for (; j >= 0; j--) {
      let key = keys[j] as LevelKey;
      if (key === null) continue;
      if (key === UNCACHED) break;
      const node = path[j] as TreeNode;
      if (typeof key === 'number' && key < UNCACHED) {
        const decide = (s: ConditionStatement): boolean =>
          log.get(s) ?? filterMatches(s.filter, ctx) !== s.negated;
        key = conditionKey(-key - 2, node.content, decide) ?? UNCACHED;
      }
      let child = t.children?.get(key);
      if (child === undefined) {
        if (this.cached >= this.maxEntries) break;
        const d = t.state.clone();
        new DictBuilder(d, ctx, this.skipdups, log).applyAll(node.content);
        child = { state: d, children: undefined };
        (t.children ??= new Map()).set(key, child);
        this.cached += d.size;
      }
      t = child;
    }
    const d = t.state.clone();
    // The reserved keys were inserted first and never move.
    d.vals[0] = name;
    d.vals[1] = dep;
    d.vals[2] = shortName;
    if (j >= 0) {
      const b = (this.builder ??= new DictBuilder(d, ctx, this.skipdups, log)).reset(d, ctx, log);
      for (; j >= 0; j--) b.applyAll((path[j] as TreeNode).content);
    }
    applyPostfix(d);
    return d;
  }
}

function usesLeafIdentity(items: readonly Statement[]): boolean {
  return items.some(
    (s) =>
      (s.kind === 'assign' && LEAF_IDENTITY.test(s.value)) ||
      (s.kind === 'cond' && usesLeafIdentity(s.body)),
  );
}

/**
 * The node and which of its conditions apply (nested ones only when reached), as a number
 * while it fits, else as a string; undefined when `decide` cannot tell yet.
 */
function conditionKey(
  id: number,
  items: readonly Statement[],
  decide: (s: ConditionStatement) => boolean | undefined,
): LevelKey | undefined {
  const acc: KeyBits = { id, bits: 1, overflow: undefined };
  if (!collectBits(items, decide, acc)) return undefined;
  // Numbers below 2^52 cannot collide: ids are small and bits start with a leading 1.
  return acc.overflow ?? id * 0x200000 + acc.bits;
}

interface KeyBits {
  readonly id: number;
  bits: number;
  overflow: string | undefined;
}

/** Appends one bit per condition reached; false when a condition is undecided. */
function collectBits(
  list: readonly Statement[],
  decide: (s: ConditionStatement) => boolean | undefined,
  acc: KeyBits,
): boolean {
  for (const s of list) {
    if (s.kind !== 'cond') continue;
    const applies = decide(s);
    if (applies === undefined) return false;
    const bit = applies ? '1' : '0';
    if (acc.overflow !== undefined) acc.overflow += bit;
    else if (acc.bits >= 0x100000) acc.overflow = `${acc.id}:${acc.bits.toString(2)}${bit}`;
    else acc.bits = acc.bits * 2 + (applies ? 1 : 0);
    if (applies && !collectBits(s.body, decide, acc)) return false;
  }
  return true;
}

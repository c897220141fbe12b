/**
 * Matching filters against the labels of a dict's path (cartesian-spec §7): a block matches
 * when its labels appear as a contiguous run; `mightMatch` says whether a filter can still
 * match once the path is extended with labels from `desc` (the labels below the current
 * node), which is what lets the expander prune whole subtrees.
 */
import type { CtxLabel, Filter, FilterBlock, FilterLabel } from './filter.js';

/** Labels that can still be appended to a path below some node. */
export interface LabelSet {
  readonly names: ReadonlySet<string>;
  /** Long forms `(var=name)` of labels of named blocks. */
  readonly longs: ReadonlySet<string>;
}

/** Thrown when evaluation reaches an empty block (`only a .b`), like the reference's IndexError. */
export class EmptyBlockError extends Error {}

function labelEq(c: CtxLabel, f: FilterLabel): boolean {
  return f.varName === undefined ? c.name === f.name : c.long === f.text;
}

function inSet(f: FilterLabel, s: LabelSet): boolean {
  return f.varName === undefined ? s.names.has(f.name) : s.longs.has(f.text);
}

function blockMatches(block: FilterBlock, ctx: readonly CtxLabel[], len: number): boolean {
  const n = block.length;
  if (n === 0) throw new EmptyBlockError();
  const first = block[0] as FilterLabel;
  for (let s = 0; s + n <= len; s++) {
    if (!labelEq(ctx[s] as CtxLabel, first)) continue;
    let k = 1;
    while (k < n && labelEq(ctx[s + k] as CtxLabel, block[k] as FilterLabel)) k++;
    if (k === n) return true;
  }
  return false;
}

/** Does the path `ctx[0..len)` match the filter? */
export function filterMatches(filter: Filter, ctx: readonly CtxLabel[], len = ctx.length): boolean {
  for (const word of filter.words) {
    let all = true;
    for (const block of word) {
      if (!blockMatches(block, ctx, len)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

/**
 * Can the filter still match a path that starts with `ctx[0..len)` and continues with labels
 * from `desc`? Sound: false only when no extension can match.
 */
export function filterMightMatch(
  filter: Filter,
  ctx: readonly CtxLabel[],
  len: number,
  desc: LabelSet,
): boolean {
  for (const word of filter.words) {
    let all = true;
    for (const block of word) {
      if (!blockMightMatch(block, ctx, len, desc)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

function blockMightMatch(
  block: FilterBlock,
  ctx: readonly CtxLabel[],
  len: number,
  desc: LabelSet,
): boolean {
  if (blockMatches(block, ctx, len)) return true;
  // Otherwise the path must end with a prefix of the block (possibly empty) and every
  // remaining label must still be available below.
  const n = block.length;
  for (let j = Math.min(n - 1, len); j >= 0; j--) {
    let ok = true;
    for (let k = 0; k < j; k++) {
      if (!labelEq(ctx[len - j + k] as CtxLabel, block[k] as FilterLabel)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    let rest = true;
    for (let k = j; k < n; k++) {
      if (!inSet(block[k] as FilterLabel, desc)) {
        rest = false;
        break;
      }
    }
    if (rest) return true;
  }
  return false;
}

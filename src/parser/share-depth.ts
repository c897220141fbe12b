/**
 * Where to cut an expansion into chunks for several threads (see ExpandShare): the shallowest
 * depth at which the walk enters at least `chunks` subtrees. Counted without filters, so it is
 * an upper bound of what the walk will see; that only makes chunks smaller than planned.
 */
import type { TreeNode } from './tree.js';

/** Configs are rarely deeper; a cut below this would not pay anyway. */
const MAX_DEPTH = 64;
/** More chunks than this are not worth their bookkeeping. */
const MAX_CHUNKS = 1 << 22;

/** The depth, and how many subtrees the walk enters there at most. */
export interface ShareCut {
  readonly depth: number;
  readonly chunks: number;
}

export function shareDepth(root: TreeNode, chunks: number): ShareCut | undefined {
  const memo = new Map<TreeNode, number[]>();
  // entries(node)[d]: subtrees the walk enters at depth d below node (the node itself at 0).
  const entries = (node: TreeNode): number[] => {
    let e = memo.get(node);
    if (e === undefined) {
      e = [1];
      for (const c of node.children) {
        const below = entries(c);
        for (let d = 0; d < below.length && d + 1 <= MAX_DEPTH; d++) {
          e[d + 1] = (e[d + 1] ?? 0) + (below[d] as number);
        }
      }
      memo.set(node, e);
    }
    return e;
  };
  const e = entries(root);
  for (let d = 1; d < e.length; d++) {
    const n = e[d] as number;
    if (n >= chunks) return n <= MAX_CHUNKS ? { depth: d, chunks: n } : undefined;
  }
  return undefined;
}

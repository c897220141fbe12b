import type { PoolState } from './pool-state.js';

/**
 * The states built on `file`, directly or through others, deepest first (the order in which
 * they can be removed without ever leaving a state whose backing file is gone).
 */
export function dependentsOf(pool: readonly PoolState[], file: string): PoolState[] {
  const found: PoolState[] = [];
  const seen = new Set([file]);
  for (let i = -1; i < found.length; i++) {
    const parent = i < 0 ? file : (found[i] as PoolState).file;
    for (const s of pool) {
      if (s.backing === parent && !seen.has(s.file)) {
        seen.add(s.file);
        found.push(s);
      }
    }
  }
  return found.reverse();
}

import type { ConditionStatement } from './tree.js';

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

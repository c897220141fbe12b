/** An external state file in a pool directory, with what it is built on. */
export interface PoolState {
  /** The state name. */
  readonly name: string;
  /** Absolute path of `<name>.qcow2`. */
  readonly file: string;
  /** Absolute path of its backing file; `undefined` when it stands alone. */
  readonly backing: string | undefined;
}

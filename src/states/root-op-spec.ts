/**
 * The commands that work on roots: `create` and `boot` make the root under `check_mode`
 * (default `rf`: keep it when there, create it when missing), `clean` and `shutdown` remove it
 * under `unset_mode` (default `fi`: remove it when there, nothing to do when missing).
 */
export interface RootOpSpec {
  readonly op: 'create' | 'clean' | 'boot' | 'shutdown';
  /** `make`: the root policy (`check_mode`); `remove`: the unset policy (`unset_mode`). */
  readonly mode: 'make' | 'remove';
}

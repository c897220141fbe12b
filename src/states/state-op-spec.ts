/**
 * Which parameters drive a state operation: `get`/`set`/`unset` read `<op>_state` and
 * `<op>_mode`; push is a set driven by `push_state`/`push_mode`, pop a get and then an unset
 * driven by `pop_state`/`pop_mode` (avocado-i2n's push_states/pop_states).
 */
export interface StateOpSpec {
  readonly op: 'get' | 'set' | 'unset';
  readonly via?: 'push' | 'pop';
  /** Parameter naming the state (`get_state`, `push_state`, …). */
  readonly stateParam: string;
  /** Parameter holding the two-letter policy. */
  readonly modeParam: string;
  /** The policy when the parameter is not set. */
  readonly defaultMode: string;
}

/** The operations that work on states and roots, as they appear in results and events. */
export type StateOp =
  'get' | 'set' | 'unset' | 'create' | 'clean' | 'boot' | 'shutdown' | 'convert';

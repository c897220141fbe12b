import { join } from 'node:path';

/** Where the manifest and the in-progress marker of one state live. */
export interface StateRecord {
  /** The directory of both (a pool directory, or a sidecar's `images/` or `vms/`). */
  readonly dir: string;
  /** `<state>.json`: the manifest, written when the state is complete. */
  readonly manifest: string;
  /** `.<state>.writing`: present while the state is being written, or after a write died. */
  readonly marker: string;
}

/**
 * The record files of `state` in `dir`. State names never start with "." and never end in
 * ".json" plus ".qcow2" at once, so neither file can be taken for a state file or for the
 * record of another state.
 */
export function stateRecord(dir: string, state: string): StateRecord {
  return { dir, manifest: join(dir, `${state}.json`), marker: join(dir, `.${state}.writing`) };
}

import type { BackendName } from './backend-name.js';

/** What the caller that sets a state (the scheduler) says about it: `StateContext.manifestFor`. */
export interface StateManifestInput {
  /** The state key: a hash of what decides whether the state is still valid. */
  readonly key: string;
  /** Id of the node that made it. */
  readonly producer: string;
  /** Keys of the states the node started from, by `state@object`. */
  readonly parents: Readonly<Record<string, string>>;
  /** What went into the key (opaque JSON), so that `plan --explain` can say what changed. */
  readonly inputs?: unknown;
}

/**
 * The record of a saved state, written when the state is complete (see `docs/states.md`,
 * "Manifests"): a JSON file `<state>.json` beside an external state in its pool directory,
 * or in `.<image file>.states/{images,vms}/` next to the image holding an internal one.
 */
export interface StateManifest extends StateManifestInput {
  readonly format: 1;
  /** The cartograph version that wrote it. */
  readonly cartograph: string;
  readonly state: string;
  /** The object's id (`vm1-fedora/image1`, `vm1-fedora`). */
  readonly object: string;
  readonly backend: BackendName;
  /**
   * Bytes the state takes: the file's size for qcow2ext; for internal states the bytes the
   * save added to the image files (saved RAM and snapshot tables; data clusters the snapshot
   * keeps alive later, by copy on write, are not counted).
   */
  readonly size: number;
  /** When the state was saved (ISO 8601). */
  readonly createdAt: string;
  /**
   * Internal states: the snapshot the manifest describes (QEMU's id and creation time). A
   * snapshot of the same name made later (by hand, or after the image was replaced) does not
   * match, so the manifest is not taken to describe it.
   */
  readonly snapshot?: {
    readonly id: string;
    readonly dateSec: number;
    readonly dateNsec: number;
  };
}

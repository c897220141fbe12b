import type { BackendName } from './backend-name.js';
import type { StateManifest } from './state-manifest.js';
import type { StateMarker } from './state-marker.js';
import type { StateTrust } from './state-trust.js';

/** A state found where states are kept (a pool directory, an image's snapshot table). */
export interface StoredState {
  readonly kind: 'images' | 'vms';
  /** The objects it belongs to (several when objects share an image or a pool directory). */
  readonly targets: readonly string[];
  readonly state: string;
  readonly backend: BackendName;
  /** Where it lives: the state file (qcow2ext), or the image holding the snapshot (a vm's first). */
  readonly file: string;
  /** Whether the state itself is there (a marker or a manifest can outlive it). */
  readonly exists: boolean;
  /** `missing` here: only a manifest (or a marker) is left. */
  readonly trust: StateTrust;
  /** The manifest, when it parses and describes this state. */
  readonly manifest?: StateManifest;
  /** A manifest file is there but does not parse or describes something else: why. */
  readonly manifestProblem?: string;
  /** The in-progress marker, and whether its writer may still be alive. */
  readonly marker?: StateMarker & { readonly writerAlive: boolean };
  /**
   * Bytes it takes: the file's size (qcow2ext), else the manifest's estimate or at least the
   * saved RAM (0 when unknown).
   */
  readonly bytes: number;
  /** When it was saved: the manifest's time, else the file's or snapshot's. */
  readonly createdAt: string;
  /** When it was last restored or saved (the manifest's time stamp), else `createdAt`. */
  readonly lastUsedAt: string;
  /** qcow2ext: its backing file (absolute), if any. */
  readonly backing?: string;
  /** qcow2ext: why its file could not be read (not qcow2, damaged), if it could not. */
  readonly unreadable?: string;
}

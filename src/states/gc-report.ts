import type { BackendName } from './backend-name.js';

/** One state `gcStates` removed or kept, and why. */
export interface GcDecision {
  readonly kind: 'images' | 'vms';
  readonly targets: readonly string[];
  readonly state: string;
  readonly backend: BackendName;
  /** The state file (qcow2ext) or the image holding the snapshot. */
  readonly file: string;
  /** Bytes it takes (an estimate for internal states: see `StateManifest.size`). */
  readonly bytes: number;
  readonly lastUsedAt: string;
  readonly reason: string;
}

/** The outcome of `gcStates`. */
export interface GcReport {
  /** Whether nothing was changed (`dryRun`): `removed` then says what would go. */
  readonly dryRun: boolean;
  readonly removed: readonly GcDecision[];
  readonly kept: readonly GcDecision[];
  /** States that were to go but could not (an image held by a running vm): why. */
  readonly failed: readonly (GcDecision & { readonly error: string })[];
  /** Bytes of the states removed (internal states: estimates; their image files do not shrink). */
  readonly freedBytes: number;
  /** Bytes of the states kept. */
  readonly keptBytes: number;
  /** Set when `maxBytes` could not be reached without removing what must stay: why. */
  readonly overBudget?: string;
}

/**
 * How far a state can be trusted (manifest, unverified, incomplete, missing), from its
 * backend, its records and its marker.
 */
import pLimit from 'p-limit';
import type { ImageInfo } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import { backendFor, internalSnapshotOf, type TargetBackend } from '../backends/index.js';
import {
  assertStateName,
  isRootState,
  resolvedContext,
  type ResolvedContext,
  rootStateOf,
  type StateContext,
  type StateQuery,
} from '../ops/index.js';
import { recordDirOf } from '../pool/index.js';
import type { StateTarget } from '../target.js';
import { manifestProblem, readManifest, type StateManifest } from './manifest.js';
import { stateRecord } from './marker.js';

/**
 * How far a state can be trusted:
 * - `manifest`: complete and described by its manifest;
 * - `unverified`: exists, without a (matching) manifest and without a trace of an interrupted
 *   write: made by hand (`cartograph set`) or by avocado-i2n; usable, never taken as current;
 * - `incomplete`: an interrupted cartograph write left it (or is writing it right now): never
 *   to be trusted, treat it as missing (the next operation on the object discards it);
 * - `missing`: not there.
 */
export type StateTrust = 'manifest' | 'unverified' | 'incomplete' | 'missing';

/** What `inspectStates` found out about one state. */
export interface StateInspection {
  /** Whether the state is physically there (an incomplete one may be). */
  readonly exists: boolean;
  /**
   * manifest: complete and described; unverified: exists without manifest and without a trace of
   * an interrupted write (made by hand or by avocado-i2n); incomplete: an interrupted cartograph
   * write left it (must not be trusted: treat as missing); missing: not there. Root states
   * (`root`, `boot`) never have manifests: `unverified` when present.
   */
  readonly trust: StateTrust;
  /** The manifest, when `trust` is `manifest`. */
  readonly manifest?: StateManifest;
  /** When the state was last restored or saved (the manifest's time stamp), if known. */
  readonly lastUsedAt?: string;
}

/**
 * What one state is (see `StateInspection`): read-only and without locks. A marker makes the
 * state `incomplete` whatever else is there; a manifest counts only when it parses and
 * describes this very state (object, name, backend, and for internal states the snapshot's
 * creation time).
 */
export async function inspectState(
  target: StateTarget,
  state: string,
  backend: TargetBackend,
  ctx: ResolvedContext,
): Promise<StateInspection> {
  if (isRootState(state)) {
    const exists = await backend.checkRoot(ctx);
    return { exists, trust: exists ? 'unverified' : 'missing' };
  }
  const [exists, record] = await Promise.all([
    backend.exists(state, ctx),
    Promise.resolve(stateRecord(recordDirOf(target, backend.name, ctx.cwd), state)),
  ]);
  if (await pathExists(record.marker)) return { exists, trust: 'incomplete' };
  if (!exists) return { exists, trust: 'missing' };
  const read = await readManifest(record.manifest);
  const manifest = read?.manifest;
  if (manifest === undefined) return { exists, trust: 'unverified' };
  const snapshot =
    backend.name === 'qcow2ext' ? undefined : await internalSnapshotOf(target, state, ctx);
  if (manifestProblem(manifest, target.id, state, backend.name, snapshot) !== undefined) {
    return { exists, trust: 'unverified' };
  }
  return { exists, trust: 'manifest', manifest, lastUsedAt: read?.touchedAt ?? manifest.createdAt };
}

/**
 * Whether each state exists and how far it can be trusted (`StateInspection`), in the order
 * asked: read-only, without locks and without policies (what a plan needs; a missing root
 * means the state is missing). Each image's snapshot table is read once for the whole batch,
 * at most `ctx.concurrency` QEMU programs run at a time. Bad state names are `STATE_BAD_NAME`.
 */
export async function inspectStates(
  queries: readonly StateQuery[],
  ctx: StateContext,
): Promise<StateInspection[]> {
  const rctx = { ...resolvedContext(ctx), infoCache: new Map<string, Promise<ImageInfo>>() };
  const jobs = queries.map(({ target, state }) => {
    if (isRootState(state)) rootStateOf(target, state);
    else assertStateName(state, `state of ${target.id}`);
    return { target, state, backend: backendFor(target) };
  });
  const limit = pLimit(rctx.concurrency);
  return Promise.all(
    jobs.map(({ target, state, backend }) =>
      limit(() => inspectState(target, state, backend, rctx)),
    ),
  );
}

/**
 * Answers many "does this state exist" questions at once (what a plan needs), in the order
 * asked: read-only, without locks and without policies (a missing root means the state is
 * missing; nothing is created, booted or stopped). A state an interrupted write left
 * (`incomplete`) does not exist: it must be rebuilt. See `inspectStates` for how far each
 * existing state can be trusted. Bad state names are `STATE_BAD_NAME`.
 */
export async function probeStates(
  queries: readonly StateQuery[],
  ctx: StateContext,
): Promise<boolean[]> {
  return (await inspectStates(queries, ctx)).map((i) => i.exists && i.trust !== 'incomplete');
}

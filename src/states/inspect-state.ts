import { internalSnapshotOf } from './internal-snapshot-of.js';
import { isRootState } from './is-root-state.js';
import { manifestProblem } from './manifest-problem.js';
import { pathExists } from './path-exists.js';
import { readManifest } from './read-manifest.js';
import { recordDirOf } from './record-dir-of.js';
import type { ResolvedContext } from './resolved-context.js';
import type { StateInspection } from './state-inspection.js';
import { stateRecord } from './state-record.js';
import type { StateTarget } from './state-target.js';
import type { TargetBackend } from './target-backend.js';

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

import type { SnapshotInfo } from '../qemu/index.js';
import type { BackendName } from './backend-name.js';
import type { StateManifest } from './state-manifest.js';

/**
 * Why a manifest does not describe state `state` of object `object` under `backend` (found as
 * `snapshot` for internal states), or `undefined` when it does.
 */
export function manifestProblem(
  manifest: StateManifest,
  object: string,
  state: string,
  backend: BackendName,
  snapshot: SnapshotInfo | undefined,
): string | undefined {
  if (manifest.state !== state) return `it describes state "${manifest.state}"`;
  if (manifest.object !== object) return `it describes object ${manifest.object}`;
  if (manifest.backend !== backend) return `it describes a ${manifest.backend} state`;
  if (backend !== 'qcow2ext' && manifest.snapshot !== undefined && snapshot !== undefined) {
    const m = manifest.snapshot;
    if (m.dateSec !== snapshot.dateSec || m.dateNsec !== snapshot.dateNsec) {
      return `it describes a snapshot saved at ${new Date(m.dateSec * 1000).toISOString()}, not the one there now (saved ${new Date(snapshot.dateSec * 1000).toISOString()})`;
    }
  }
  return undefined;
}

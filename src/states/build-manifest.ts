import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from './backend-name.js';
import { cartographVersion } from './cartograph-version.js';
import { internalImageBytes } from './internal-image-bytes.js';
import { internalSnapshotOf } from './internal-snapshot-of.js';
import { poolDir } from './pool-dir.js';
import type { ResolvedContext } from './resolved-context.js';
import type { StateManifest, StateManifestInput } from './state-manifest.js';
import type { StateTarget } from './state-target.js';

/**
 * The manifest of a state just saved: the caller's input with what the backend knows — the
 * size (the state file's for qcow2ext; for internal states the growth of the image files since
 * `bytesBefore`, at least the saved RAM) and, for internal states, the snapshot it describes.
 */
export async function buildManifest(
  target: StateTarget,
  state: string,
  backend: BackendName,
  input: StateManifestInput,
  bytesBefore: number,
  ctx: ResolvedContext,
): Promise<StateManifest> {
  let size: number;
  let snapshot: StateManifest['snapshot'];
  if (backend === 'qcow2ext' && target.kind === 'images') {
    size = (await stat(join(poolDir(target, ctx.cwd), `${state}.qcow2`))).size;
  } else {
    const found = await internalSnapshotOf(target, state, ctx);
    const grown = (await internalImageBytes(target, ctx.cwd)) - bytesBefore;
    size = Math.max(found?.vmStateSize ?? 0, grown, 0);
    if (found !== undefined) {
      snapshot = { id: found.id, dateSec: found.dateSec, dateNsec: found.dateNsec };
    }
  }
  return {
    format: 1,
    cartograph: cartographVersion(),
    state,
    object: target.id,
    backend,
    size,
    createdAt: new Date().toISOString(),
    key: input.key,
    producer: input.producer,
    parents: { ...input.parents },
    ...(input.inputs === undefined ? {} : { inputs: input.inputs }),
    ...(snapshot === undefined ? {} : { snapshot }),
  };
}

import { rm } from 'node:fs/promises';
import type { BeginWrite } from './begin-write.js';
import { buildManifest } from './build-manifest.js';
import { internalImageBytes } from './internal-image-bytes.js';
import { newToken } from './new-token.js';
import { processIdentity } from './process-identity.js';
import { recordDirOf } from './record-dir-of.js';
import { recoverTarget } from './recover-target.js';
import type { ResolvedContext } from './resolved-context.js';
import type { StateMarker } from './state-marker.js';
import { stateRecord } from './state-record.js';
import type { StateTarget } from './state-target.js';
import type { TargetBackend } from './target-backend.js';
import { writeJsonAtomic } from './write-json-atomic.js';

/**
 * Runs a backend's set or unset of `state` under the write protocol that keeps a killed
 * process from leaving a state anyone would trust half-done. When the backend is about to
 * change something (`begin`): the marker `.<state>.writing` is written (atomically), then the
 * old manifest removed. When it is done: a set writes the new manifest (atomically; only when
 * `ctx.manifestFor` gives one), an unset removes the manifests of what it removed; then the
 * marker goes. A process that dies in between leaves the marker: the state is `incomplete`
 * and the next operation on the object discards it (`recoverTarget`). A failure inside this
 * process is dealt with the same way at once, before the error is passed on.
 */
export async function guardedWrite(
  target: StateTarget,
  state: string,
  op: 'set' | 'unset',
  backend: TargetBackend,
  ctx: ResolvedContext,
  run: (begin: BeginWrite) => Promise<string | undefined>,
): Promise<string | undefined> {
  const dir = recordDirOf(target, backend.name, ctx.cwd);
  const record = stateRecord(dir, state);
  // Set from inside `begin`: an object, so that the checks after `run` read it afresh.
  const write = { began: false, bytesBefore: 0, dependents: [] as readonly string[] };
  const begin: BeginWrite = async (info) => {
    if (write.began) return;
    const dependents = info?.dependents ?? [];
    write.dependents = dependents;
    if (op === 'set' && backend.name !== 'qcow2ext') {
      write.bytesBefore = await internalImageBytes(target, ctx.cwd);
    }
    const marker: StateMarker & { format: 1 } = {
      format: 1,
      ...processIdentity(),
      owner: `${op} ${state} of ${target.id}`,
      startedAt: new Date().toISOString(),
      token: newToken(),
      op,
      state,
      object: target.id,
      backend: backend.name,
      ...(dependents.length === 0 ? {} : { dependents }),
    };
    await writeJsonAtomic(record.marker, marker);
    write.began = true;
    await rm(record.manifest, { force: true });
  };
  try {
    const detail = await run(begin);
    if (!write.began) return detail;
    if (op === 'set') {
      const input = ctx.manifestFor(target, state);
      if (input !== undefined) {
        const manifest = await buildManifest(
          target,
          state,
          backend.name,
          input,
          write.bytesBefore,
          ctx,
        );
        await writeJsonAtomic(record.manifest, manifest);
      }
    } else {
      for (const d of write.dependents) await rm(stateRecord(dir, d).manifest, { force: true });
    }
    await rm(record.marker, { force: true });
    return detail;
  } catch (error) {
    if (write.began) await recoverTarget(target, ctx).catch(() => undefined);
    throw error;
  }
}

/**
 * Guarded writes: every change of a state runs between an in-progress marker and its
 * manifest, so that an interrupted one is found and dealt with by the next operation.
 */
import { rm } from 'node:fs/promises';
import { newToken, writeJsonAtomic } from '../../shared/index.js';
import {
  type BackendName,
  type BeginWrite,
  internalImageBytes,
  type TargetBackend,
} from '../backends/index.js';
import { processIdentity } from '../locks/index.js';
import type { ResolvedContext } from '../ops/index.js';
import { recordDirOf, targetFsError } from '../pool/index.js';
import { buildManifest, type StateMarker, stateRecord } from '../records/index.js';
import type { StateTarget } from '../target.js';
import { recoverTarget } from './recover.js';

/** What was done about a state an interrupted operation left behind (its marker). */
export interface Recovery {
  /** The object's id. */
  readonly target: string;
  readonly kind: 'images' | 'vms';
  readonly state: string;
  readonly backend: BackendName;
  /** The operation that was interrupted. */
  readonly op: 'set' | 'unset';
  /**
   * Whether it is dealt with: the state is discarded (or its removal finished) and the marker
   * is gone. `false`: left as it was, still `incomplete` (`detail` says why).
   */
  readonly done: boolean;
  readonly detail: string;
}

/** What recoveries did, for a result's detail; `undefined` when there were none. */
export function describeRecoveries(recovered: readonly Recovery[]): string | undefined {
  if (recovered.length === 0) return undefined;
  return recovered
    .map(
      (r) =>
        `${r.done ? 'cleaned up' : 'could not clean up'} ${r.kind === 'vms' ? 'vm' : 'image'} state "${r.state}" of ${r.target} (${r.detail})`,
    )
    .join('; ');
}

/**
 * Runs a backend's set or unset of `state` under the write protocol that keeps a killed
 * process from leaving a state anyone would trust half-done. When the backend is about to
 * change something (`begin`): the marker `.<state>.writing` is written (atomically), then the
 * old manifest removed. When it is done: a set writes the new manifest (atomically; only when
 * `ctx.manifestFor` gives one), an unset removes the manifests of what it removed; then the
 * marker goes. A process that dies in between leaves the marker: the state is `incomplete`
 * and the next operation on the object discards it (`recoverTarget`). A failure inside this
 * process is dealt with the same way at once, before the error is passed on; a failure of the
 * file system (full, read-only …) is passed on as a `FileSystemError` naming the parameter.
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
    if (op === 'set' && (backend.name === 'qcow2' || backend.name === 'qcow2vt')) {
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
    // Whatever was half-written is discarded now, or by the next operation (its marker stays).
    if (write.began) await recoverTarget(target, ctx).catch(() => undefined);
    // A full disk, a read-only pool …: said as such, naming the parameter behind the path.
    throw targetFsError(error, target, ctx.cwd) ?? error;
  }
}

/**
 * State manifests: the JSON record of a saved state (its key, producer, parents, inputs and
 * the cartograph version), how it is built, read, validated against the state, and touched on
 * use.
 */
import { readFileSync } from 'node:fs';
import { readFile, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GuestMachine, guestMachine, type SnapshotInfo } from '../../qemu/index.js';
import { type BackendName, internalImageBytes, internalSnapshotOf } from '../backends/index.js';
import type { ResolvedContext } from '../ops/index.js';
import { poolDir, recordDirOf, stateNamesIn, vmPoolDir } from '../pool/index.js';
import type { StateTarget, VmTarget } from '../target.js';
import { locateVm, vmHardware } from '../vms/index.js';
import { stateRecord } from './marker.js';

let version: string | undefined;

/**
 * The version of the running cartograph, recorded in manifests: read from the nearest
 * `package.json` named "cartograph" above this module (the same for `src/`, `dist/` and the
 * CLI bundle), `unknown` if there is none.
 */
export function cartographVersion(): string {
  if (version !== undefined) return version;
  version = 'unknown';
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'cartograph' && typeof pkg.version === 'string') {
        version = pkg.version;
        break;
      }
    } catch {
      // No package.json here: look further up.
    }
  }
  return version;
}

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
  /**
   * Vm states: the guest-visible machine the vm ran when the state was saved (memory, CPUs,
   * machine type, devices). QEMU loads a state only into the same machine, so a get compares
   * it first and names what differs.
   */
  readonly machine?: GuestMachine;
}

const BACKENDS: readonly BackendName[] = ['qcow2', 'qcow2ext', 'qcow2vt', 'ramfile'];

/** Whether a manifest's `machine` field is a machine description. */
function isGuestMachine(value: unknown): value is GuestMachine {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    ['machine', 'accel', 'cpu'].every((k) => typeof m[k] === 'string') &&
    ['smp', 'memoryMiB', 'disks', 'cdroms'].every((k) => typeof m[k] === 'number') &&
    Array.isArray(m.nics) &&
    m.nics.every((n) => typeof n === 'string')
  );
}

/**
 * Checks that a parsed JSON value is a manifest of format 1; resolves with the manifest, or
 * with what is wrong with it (for `verify`).
 */
export function parseManifest(
  value: unknown,
): { manifest: StateManifest; problem?: undefined } | { manifest?: undefined; problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'not a JSON object' };
  }
  const v = value as Record<string, unknown>;
  if (v.format !== 1) return { problem: `unknown format ${JSON.stringify(v.format)}` };
  for (const field of ['key', 'producer', 'cartograph', 'state', 'object', 'createdAt']) {
    if (typeof v[field] !== 'string' || v[field] === '') {
      return { problem: `"${field}" is missing or not a string` };
    }
  }
  if (!BACKENDS.includes(v.backend as BackendName)) {
    return { problem: `unknown backend ${JSON.stringify(v.backend)}` };
  }
  if (typeof v.size !== 'number' || !Number.isFinite(v.size) || v.size < 0) {
    return { problem: '"size" is not a byte count' };
  }
  if (Number.isNaN(Date.parse(v.createdAt as string))) {
    return { problem: '"createdAt" is not a time' };
  }
  const parents = v.parents;
  if (
    typeof parents !== 'object' ||
    parents === null ||
    Array.isArray(parents) ||
    Object.values(parents).some((p) => typeof p !== 'string')
  ) {
    return { problem: '"parents" is not a map of state keys' };
  }
  if (v.snapshot !== undefined) {
    const s = v.snapshot as Record<string, unknown> | null;
    if (
      typeof s !== 'object' ||
      s === null ||
      typeof s.id !== 'string' ||
      typeof s.dateSec !== 'number' ||
      typeof s.dateNsec !== 'number'
    ) {
      return { problem: '"snapshot" is not a snapshot description' };
    }
  }
  if (v.machine !== undefined && !isGuestMachine(v.machine)) {
    return { problem: '"machine" is not a machine description' };
  }
  return { manifest: value as StateManifest };
}

/** A manifest file as read: the manifest, or why it is unusable; its time stamp either way. */
export interface ManifestRead {
  readonly manifest?: StateManifest;
  readonly problem?: string;
  /** The file's modification time: when the state was last saved or restored. */
  readonly touchedAt: string;
}

/** Reads the manifest at `file`; `undefined` when there is none. */
export async function readManifest(file: string): Promise<ManifestRead | undefined> {
  let text: string;
  let touchedAt: string;
  try {
    [text, touchedAt] = await Promise.all([
      readFile(file, 'utf8'),
      stat(file).then((s) => s.mtime.toISOString()),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})`, touchedAt };
  }
  const parsed = parseManifest(value);
  return parsed.manifest === undefined
    ? { problem: parsed.problem, touchedAt }
    : { manifest: parsed.manifest, touchedAt };
}

/** The states that have a manifest file in a record directory (none if it is missing). */
export function listManifests(dir: string): Promise<string[]> {
  return stateNamesIn(dir, /^(.+)\.json$/);
}

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

/**
 * The manifest of a state just saved: the caller's input with what the backend knows — the
 * size (the state file's for qcow2ext; for internal states the growth of the image files since
 * `bytesBefore`, at least the saved RAM) and, for internal states, the snapshot it describes.
 */
/**
 * The machine a vm state was saved on: the running vm's (it may run with other params than
 * the config has now), else, for a vm a save has stopped (`ramfile`), the one its params make.
 */
async function machineOf(target: VmTarget, ctx: ResolvedContext): Promise<GuestMachine> {
  const running = await locateVm(target.vmId, ctx);
  if (running !== undefined) return running.machine;
  const { memoryMiB, hardware } = vmHardware(target, ctx.cwd);
  return guestMachine({ drives: target.images.map(() => ({ file: '' })), memoryMiB, hardware });
}

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
  } else if (backend === 'ramfile' && target.kind === 'vms') {
    // The RAM file; the disks are image states with manifests of their own.
    size = (await stat(join(vmPoolDir(target, ctx.cwd), `${state}.ram`))).size;
  } else {
    const found = await internalSnapshotOf(target, state, ctx);
    const grown = (await internalImageBytes(target, ctx.cwd)) - bytesBefore;
    size = Math.max(found?.vmStateSize ?? 0, grown, 0);
    if (found !== undefined) {
      snapshot = { id: found.id, dateSec: found.dateSec, dateNsec: found.dateNsec };
    }
  }
  const machine = target.kind === 'vms' ? await machineOf(target, ctx) : undefined;
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
    ...(machine === undefined ? {} : { machine }),
  };
}

/**
 * Notes that a state was just restored: its manifest's modification time becomes now (the
 * content stays what the save wrote). `gc` removes the least recently used states first.
 * States without a manifest keep the time they were saved.
 */
export async function recordUse(
  target: StateTarget,
  state: string,
  backend: BackendName,
  cwd: string,
): Promise<void> {
  const now = new Date();
  try {
    await utimes(stateRecord(recordDirOf(target, backend, cwd), state).manifest, now, now);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

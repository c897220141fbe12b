/**
 * Every stored state of a set of objects, whatever its backend, with its manifest, marker
 * and backing file: what `verify` and `gc` work from.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { imageInfo, type ImageInfo, isQemuError, type SnapshotInfo } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import {
  type BackendName,
  completeVmStates,
  isDiskOnlySnapshot,
  sharedImageInfo,
  vmImageInfos,
} from '../backends/index.js';
import { isHolderAlive } from '../locks/index.js';
import {
  isStateName,
  resolvedContext,
  type ResolvedContext,
  type StateContext,
} from '../ops/index.js';
import {
  findMarkers,
  listManifests,
  manifestProblem,
  readManifest,
  readMarker,
  type StateManifest,
  type StateMarker,
  stateRecord,
  type StateTrust,
} from '../records/index.js';
import type { ImageTarget, StateTarget, VmTarget } from '../target.js';
import { imageFormatOf, imagePath, poolDir, sidecarDir, vmPoolDir } from './layout.js';
import { backingOf, stateNamesIn } from './pool-files.js';

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

/** Where states of some objects are kept, with the ids of those objects. */
interface Place<T> {
  readonly ids: Set<string>;
  readonly target: T;
}

/** What is known of one state before its records are read. */
interface Found {
  readonly kind: 'images' | 'vms';
  readonly targets: readonly string[];
  readonly state: string;
  readonly backend: BackendName;
  readonly file: string;
  readonly recordDir: string;
  readonly exists: boolean;
  readonly bytes?: number;
  readonly createdAt?: string;
  readonly snapshot?: SnapshotInfo;
  readonly backing?: string;
  readonly unreadable?: string;
}

function add<T>(places: Map<string, Place<T>>, key: string, id: string, target: T): void {
  const place = places.get(key);
  if (place === undefined) places.set(key, { ids: new Set([id]), target });
  else place.ids.add(id);
}

const dateOf = (s: SnapshotInfo): string => new Date(s.dateSec * 1000).toISOString();

/**
 * Every state kept for some objects, read-only and without locks: the image states in their
 * active images (disk-only snapshots), the external states in their pool directories (whatever
 * their `states` parameter says now, when `swarm_pool` is set), the vm states of their vms;
 * with each state's records (manifest, marker), size and times. Records without their state
 * (a manifest left behind, a marker of a write that never got far) are listed too, as not
 * existing. Objects sharing an image or a pool directory are listed once per state.
 */
export async function listStoredStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StoredState[]> {
  const rctx: ResolvedContext = {
    ...resolvedContext(ctx),
    infoCache: new Map<string, Promise<ImageInfo>>(),
  };
  const images = new Map<string, Place<ImageTarget>>();
  const pools = new Map<string, Place<ImageTarget>>();
  const vms = new Map<string, Place<VmTarget>>();
  const ramfiles = new Map<string, Place<VmTarget>>();
  for (const target of targets) {
    for (const image of target.kind === 'images' ? [target] : target.images) {
      if (imageFormatOf(image) === 'qcow2')
        add(images, imagePath(image, rctx.cwd), image.id, image);
      if ((image.params.get('swarm_pool') ?? '') !== '') {
        add(pools, poolDir(image, rctx.cwd), image.id, image);
      }
    }
    const first = target.kind === 'vms' ? target.images[0] : undefined;
    if (target.kind === 'vms' && first !== undefined && imageFormatOf(first) === 'qcow2') {
      add(vms, imagePath(first, rctx.cwd), target.id, target);
    }
    if (target.kind === 'vms' && target.params.get('states') === 'ramfile') {
      add(ramfiles, vmPoolDir(target, rctx.cwd), target.id, target);
    }
  }
  const found: Found[] = [];
  for (const [path, place] of images) found.push(...(await imageStates(path, place, rctx)));
  for (const [dir, place] of pools) found.push(...(await poolStates(dir, place, rctx)));
  for (const [path, place] of vms) found.push(...(await vmStates(path, place, rctx)));
  for (const [dir, place] of ramfiles) found.push(...(await ramfileStates(dir, place)));
  const limit = pLimit(rctx.concurrency);
  const described = await Promise.all(found.map((f) => limit(() => describe(f))));
  return described.sort((a, b) =>
    a.file === b.file ? (a.state < b.state ? -1 : 1) : a.file < b.file ? -1 : 1,
  );
}

async function namesWithRecords(dir: string, present: readonly string[]): Promise<string[]> {
  const names = new Set([...present, ...(await findMarkers(dir)), ...(await listManifests(dir))]);
  return [...names].sort();
}

async function readSnapshots(path: string, ctx: ResolvedContext): Promise<SnapshotInfo[]> {
  if (!(await pathExists(path))) return [];
  try {
    return (await sharedImageInfo(path, ctx)).snapshots;
  } catch (error) {
    // An unreadable image has no states to list; `verify` reports the image itself.
    if (isQemuError(error)) return [];
    throw error;
  }
}

async function imageStates(
  path: string,
  place: Place<ImageTarget>,
  ctx: ResolvedContext,
): Promise<Found[]> {
  const recordDir = join(sidecarDir(path), 'images');
  const snapshots = (await readSnapshots(path, ctx)).filter(
    (s) => isDiskOnlySnapshot(s) && isStateName(s.name),
  );
  const names = await namesWithRecords(
    recordDir,
    snapshots.map((s) => s.name),
  );
  return names.map((state): Found => {
    const snapshot = snapshots.find((s) => s.name === state);
    return {
      kind: 'images',
      targets: [...place.ids],
      state,
      backend: 'qcow2',
      file: path,
      recordDir,
      exists: snapshot !== undefined,
      ...(snapshot === undefined ? {} : { snapshot, createdAt: dateOf(snapshot) }),
    };
  });
}

async function poolStates(
  dir: string,
  place: Place<ImageTarget>,
  ctx: ResolvedContext,
): Promise<Found[]> {
  const files = await stateNamesIn(dir, /^(.+)\.qcow2$/);
  const names = await namesWithRecords(dir, files);
  const limit = pLimit(ctx.concurrency);
  return Promise.all(
    names.map((state) =>
      limit(async (): Promise<Found> => {
        const file = join(dir, `${state}.qcow2`);
        const base = {
          kind: 'images' as const,
          targets: [...place.ids],
          state,
          backend: 'qcow2ext' as const,
          file,
          recordDir: dir,
        };
        let info;
        try {
          info = await stat(file);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          return { ...base, exists: false };
        }
        try {
          const backing = backingOf(file, await imageInfo(file, { ...ctx.qemu, forceShare: true }));
          return {
            ...base,
            exists: true,
            bytes: info.size,
            createdAt: info.mtime.toISOString(),
            ...(backing === undefined ? {} : { backing }),
          };
        } catch (error) {
          if (!isQemuError(error)) throw error;
          return {
            ...base,
            exists: true,
            bytes: info.size,
            createdAt: info.mtime.toISOString(),
            unreadable: error.message,
          };
        }
      }),
    ),
  );
}

async function vmStates(
  first: string,
  place: Place<VmTarget>,
  ctx: ResolvedContext,
): Promise<Found[]> {
  const recordDir = join(sidecarDir(first), 'vms');
  let complete: SnapshotInfo[] = [];
  try {
    const infos = await vmImageInfos(place.target, ctx);
    complete = completeVmStates((infos ?? []).map((i) => i.info)).filter((s) =>
      isStateName(s.name),
    );
  } catch (error) {
    if (!isQemuError(error)) throw error;
  }
  const names = await namesWithRecords(
    recordDir,
    complete.map((s) => s.name),
  );
  return names.map((state): Found => {
    const snapshot = complete.find((s) => s.name === state);
    return {
      kind: 'vms',
      targets: [...place.ids],
      state,
      backend: 'qcow2vt',
      file: first,
      recordDir,
      exists: snapshot !== undefined,
      ...(snapshot === undefined ? {} : { snapshot, createdAt: dateOf(snapshot) }),
    };
  });
}

/** The ramfile vm states of a vm pool directory: `<state>.ram` streams and their records. */
async function ramfileStates(dir: string, place: Place<VmTarget>): Promise<Found[]> {
  const streams = await stateNamesIn(dir, /^(.+)\.ram$/);
  const names = await namesWithRecords(dir, streams);
  return Promise.all(
    names.map(async (state): Promise<Found> => {
      const file = join(dir, `${state}.ram`);
      const info = await stat(file).catch(() => undefined);
      return {
        kind: 'vms',
        targets: [...place.ids],
        state,
        backend: 'ramfile',
        file,
        recordDir: dir,
        exists: info !== undefined,
        ...(info === undefined ? {} : { bytes: info.size, createdAt: info.mtime.toISOString() }),
      };
    }),
  );
}

async function describe(found: Found): Promise<StoredState> {
  const record = stateRecord(found.recordDir, found.state);
  const [marker, read] = await Promise.all([
    readMarker(record.marker, found.state, found.backend),
    readManifest(record.manifest),
  ]);
  const manifest = read?.manifest;
  const object =
    manifest !== undefined && found.targets.includes(manifest.object)
      ? manifest.object
      : (found.targets[0] ?? '');
  const problem =
    read?.problem ??
    (manifest === undefined || !found.exists
      ? undefined
      : manifestProblem(manifest, object, found.state, found.backend, found.snapshot));
  const good = manifest !== undefined && problem === undefined;
  const trust =
    marker !== undefined
      ? 'incomplete'
      : !found.exists
        ? 'missing'
        : good
          ? 'manifest'
          : 'unverified';
  const createdAt =
    (good ? manifest.createdAt : undefined) ??
    found.createdAt ??
    marker?.startedAt ??
    read?.touchedAt ??
    new Date(0).toISOString();
  const bytes =
    found.backend === 'qcow2ext' || found.backend === 'ramfile'
      ? (found.bytes ?? 0)
      : good
        ? manifest.size
        : (found.snapshot?.vmStateSize ?? 0);
  return {
    kind: found.kind,
    targets: found.targets,
    state: found.state,
    backend: found.backend,
    file: found.file,
    exists: found.exists,
    trust,
    ...(good ? { manifest } : {}),
    ...(problem === undefined ? {} : { manifestProblem: problem }),
    ...(marker === undefined ? {} : { marker: { ...marker, writerAlive: isHolderAlive(marker) } }),
    bytes,
    createdAt,
    lastUsedAt: good && read !== undefined ? read.touchedAt : createdAt,
    ...(found.backing === undefined ? {} : { backing: found.backing }),
    ...(found.unreadable === undefined ? {} : { unreadable: found.unreadable }),
  };
}

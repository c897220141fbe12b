/**
 * `gc`: removes the states no node makes any more and the least recently used beyond a
 * budget, never one a kept state is built on.
 */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StateError } from '../../errors.js';
import { deleteSnapshot, imageInfo, isQemuError } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import { type BackendName, isDiskOnlySnapshot } from '../backends/index.js';
import { withPoolLocks } from '../locks/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from '../ops/index.js';
import {
  backingOf,
  imageFormatOf,
  imagePath,
  listStoredStates,
  sidecarDir,
  type StoredState,
} from '../pool/index.js';
import { stateRecord } from '../records/index.js';
import {
  recoverImageSnapshot,
  recoverQcow2ext,
  recoverRamfile,
  recoverVmState,
  type Recovery,
} from '../recovery/index.js';
import { distinctImagesOf, type ImageTarget, type StateTarget, type VmTarget } from '../target.js';
import { locateVm, withVm } from '../vms/index.js';
import { planGc } from './plan-gc.js';

/** What `gcStates` keeps. */
export interface GcOptions {
  /**
   * Whether the current config produces a state (some node sets it, for one of its objects,
   * with this backend): what to say about it ("set by node install@vm1"), `undefined` when
   * nothing produces it (it is removed).
   */
  readonly produced: (state: {
    readonly kind: 'images' | 'vms';
    readonly targets: readonly string[];
    readonly state: string;
    readonly backend: BackendName;
  }) => string | undefined;
  /** Keep the N most recently used states of each object, whatever else is said. */
  readonly keepLast?: number | undefined;
  /** Remove the least recently used states until the kept ones take at most this many bytes. */
  readonly maxBytes?: number | undefined;
  /** Decide and report only; change nothing (and take no locks). */
  readonly dryRun?: boolean | undefined;
}

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

/**
 * `gc`: removes the states of some objects that no current config produces, that interrupted
 * writes left, or (with `maxBytes`) the least recently used ones beyond a size budget — never
 * a state the active image or another kept state is built on, never a root, and never one of
 * the `keepLast` most recently used of an object (see `planGc`). Says what it removed and kept,
 * and why, and how many bytes that freed.
 *
 * Every object is locked for the whole run (waiting for other processes as any operation
 * does), so nothing is built on a state between the decision and its removal; `dryRun`
 * decides without locks and changes nothing.
 */
export async function gcStates(
  targets: readonly StateTarget[],
  options: GcOptions,
  ctx: StateContext,
): Promise<GcReport> {
  const rctx = resolvedContext(ctx);
  if (options.dryRun === true) return collect(targets, options, [], rctx);
  return withPoolLocks(targets, 'cartograph gc', rctx, (recovered) =>
    collect(targets, options, recovered, rctx),
  );
}

/** The pool files active images are built on (directly or through others), to their object. */
async function activeChains(
  images: readonly ImageTarget[],
  stored: readonly StoredState[],
  ctx: ResolvedContext,
): Promise<Map<string, string>> {
  const backingOfFile = new Map(stored.map((s) => [s.file, s.backing]));
  const chains = new Map<string, string>();
  for (const image of images) {
    if (imageFormatOf(image) !== 'qcow2') continue;
    const path = imagePath(image, ctx.cwd);
    if (!(await pathExists(path))) continue;
    let file: string | undefined;
    try {
      file = backingOf(path, await imageInfo(path, { ...ctx.qemu, forceShare: true }));
    } catch (error) {
      if (!isQemuError(error)) throw error;
    }
    for (let n = 0; file !== undefined && !chains.has(file) && n < 10_000; n++) {
      chains.set(file, image.id);
      file = backingOfFile.get(file);
    }
  }
  return chains;
}

function decision(s: StoredState, reason: string): GcDecision {
  return {
    kind: s.kind,
    targets: s.targets,
    state: s.state,
    backend: s.backend,
    file: s.file,
    bytes: s.exists ? s.bytes : 0,
    lastUsedAt: s.lastUsedAt,
    reason,
  };
}

async function collect(
  targets: readonly StateTarget[],
  options: GcOptions,
  recovered: readonly Recovery[],
  ctx: ResolvedContext,
): Promise<GcReport> {
  const images = distinctImagesOf(targets);
  const stored = await listStoredStates(targets, ctx);
  const plan = planGc(stored, await activeChains(images, stored, ctx), options);
  const removed: GcDecision[] = recovered.map((r) => ({
    kind: r.kind,
    targets: [r.target],
    state: r.state,
    backend: r.backend,
    file: '',
    bytes: 0,
    lastUsedAt: '',
    reason: `left incomplete by an interrupted ${r.op}: ${r.detail}`,
  }));
  const failed: (GcDecision & { error: string })[] = [];
  // Deepest first, so that no state is ever left built on one already removed.
  const depth = (s: StoredState): number => {
    let d = 0;
    for (let b = s.backing; b !== undefined && d < stored.length; d++) {
      b = stored.find((o) => o.file === b)?.backing;
    }
    return d;
  };
  const order = [...plan.remove.keys()].sort((a, b) => depth(b) - depth(a));
  for (const s of order) {
    const d = decision(s, plan.remove.get(s) ?? '');
    if (options.dryRun === true) {
      removed.push(d);
      continue;
    }
    try {
      await removeStored(s, targets, ctx);
      removed.push(d);
    } catch (error) {
      if (!(error instanceof StateError) && !isQemuError(error)) throw error;
      failed.push({ ...d, error: error.message });
    }
  }
  const kept = [...plan.keep].map(([s, reason]) => decision(s, reason));
  return {
    dryRun: options.dryRun === true,
    removed,
    kept,
    failed,
    freedBytes: removed.reduce((sum, d) => sum + d.bytes, 0),
    keptBytes: kept.reduce((sum, d) => sum + d.bytes, 0),
    ...(plan.overBudget === undefined ? {} : { overBudget: plan.overBudget }),
  };
}

/** Removes one stored state with its records (under the locks `gcStates` holds). */
async function removeStored(
  s: StoredState,
  targets: readonly StateTarget[],
  ctx: ResolvedContext,
): Promise<void> {
  const owner = (kind: 'images' | 'vms'): StateTarget => {
    for (const t of targets) {
      for (const o of kind === 'vms' ? [t] : t.kind === 'images' ? [t] : t.images) {
        if (o.kind === kind && s.targets.includes(o.id)) return o;
      }
    }
    throw new StateError(
      'STATE_MISSING',
      `no object ${s.targets.join(', ')} to remove ${s.state} of`,
    );
  };
  const recordDir =
    s.backend === 'qcow2ext' || s.backend === 'ramfile'
      ? dirname(s.file)
      : join(sidecarDir(s.file), s.kind === 'vms' ? 'vms' : 'images');
  const record = stateRecord(recordDir, s.state);
  if (s.marker !== undefined) {
    const done =
      s.backend === 'qcow2ext'
        ? await recoverQcow2ext(owner('images') as ImageTarget, s.marker, ctx)
        : s.backend === 'qcow2'
          ? await recoverImageSnapshot(owner('images') as ImageTarget, s.marker, ctx)
          : s.backend === 'ramfile'
            ? await recoverRamfile(owner('vms') as VmTarget, s.marker, ctx)
            : await recoverVmState(owner('vms') as VmTarget, s.marker, ctx);
    if (!done.done) throw new StateError('STATE_REFUSED', done.detail);
    return;
  }
  if (s.exists) {
    switch (s.backend) {
      // A ramfile state's disks are image states of their own, kept or removed on their own.
      case 'qcow2ext':
      case 'ramfile':
        await rm(s.file, { force: true });
        break;
      case 'qcow2': {
        const same = (await imageInfo(s.file, ctx.qemu)).snapshots.filter(
          (x) => x.name === s.state,
        );
        if (same.some((x) => !isDiskOnlySnapshot(x))) {
          throw new StateError(
            'STATE_REFUSED',
            `a vm state shares the tag "${s.state}" in ${s.file}`,
          );
        }
        for (let i = 0; i < same.length; i++) await deleteSnapshot(s.file, s.state, ctx.qemu);
        break;
      }
      case 'qcow2vt': {
        const vm = owner('vms') as VmTarget;
        const running = await locateVm(vm.vmId, ctx);
        if (running !== undefined) {
          await withVm(running, ctx, (q) => q.deleteSnapshot(s.state, { signal: ctx.signal }));
        } else {
          for (const image of vm.images) {
            await deleteSnapshot(imagePath(image, ctx.cwd), s.state, ctx.qemu);
          }
        }
        break;
      }
    }
  }
  await rm(record.manifest, { force: true });
}

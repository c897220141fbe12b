/**
 * Recovering what interrupted operations left: for each in-progress marker of an object, the
 * internal snapshot or vm state is discarded and the marker removed.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QemuError } from '../../errors.js';
import {
  deleteSnapshot,
  hmpFailure,
  imageInfo,
  isQemuError,
  type QemuVm,
  repairLeaks,
} from '../../qemu/index.js';
import { pathExists, readDirOrEmpty, removeFiles, tempWriterPid } from '../../shared/index.js';
import { isDiskOnlySnapshot } from '../backends/index.js';
import { isHolderAlive, lockKeys, withObjectLocks } from '../locks/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from '../ops/index.js';
import { imageFormatOf, imagePath, poolDir, sidecarDir, vmPoolDir } from '../pool/index.js';
import { findMarkers, readMarker, type StateMarker, stateRecord } from '../records/index.js';
import type { ImageTarget, StateTarget, VmTarget } from '../target.js';
import { locateVm, withVm } from '../vms/index.js';
import type { Recovery } from './guarded-write.js';
import { isAbandonedPid, recoverQcow2ext } from './recover-qcow2ext.js';

/** A marker another live process is writing under (never the case under our locks): skip it. */
function busy(marker: StateMarker): boolean {
  return marker.pid !== process.pid && isHolderAlive(marker);
}

// The temporary file of a marker being written (`writeJsonAtomic` of `.<state>.writing`).
const MARKER_TEMP = /^\.\..+\.writing\.(\d+)\.[0-9a-f]+\.tmp$/;

/**
 * The states with an in-progress marker in record directory `dir`. A writer killed before
 * its marker was renamed into place leaves only the marker's temporary file and changed
 * nothing yet: such files of dead writers are removed here, since no marker leads to them.
 */
async function markedStates(dir: string): Promise<string[]> {
  const temps = (await readDirOrEmpty(dir)).filter((entry) => {
    const pid = MARKER_TEMP.exec(entry)?.[1];
    return pid !== undefined && isAbandonedPid(Number(pid));
  });
  await removeFiles(temps.map((entry) => join(dir, entry)));
  return findMarkers(dir);
}

/**
 * Deals with every state of a target that an interrupted operation left behind (an
 * in-progress marker): image states of each of its images (internal ones; external ones of a
 * qcow2ext image, whose pool the caller has locked) and, for a vm, its vm states. Called with
 * the object's locks held, before anything else touches it, so that no operation ever starts
 * from a half-written state or a moved-away image. Cheap when there is nothing to do: two
 * directory listings per record directory.
 */
export async function recoverTarget(
  target: StateTarget,
  ctx: ResolvedContext,
): Promise<Recovery[]> {
  const done: Recovery[] = [];
  const images = target.kind === 'images' ? [target] : target.images;
  for (const image of images) {
    if (imageFormatOf(image) !== 'qcow2') continue;
    const internal = join(sidecarDir(imagePath(image, ctx.cwd)), 'images');
    for (const state of await markedStates(internal)) {
      const marker = await readMarker(stateRecord(internal, state).marker, state, 'qcow2');
      if (marker !== undefined && !busy(marker)) {
        done.push(await recoverImageSnapshot(image, marker, ctx));
      }
    }
    if (image.params.get('states') === 'qcow2ext') {
      const dir = poolDir(image, ctx.cwd);
      for (const state of await markedStates(dir)) {
        const marker = await readMarker(stateRecord(dir, state).marker, state, 'qcow2ext');
        if (marker !== undefined && !busy(marker)) {
          done.push(await recoverQcow2ext(image, marker, ctx));
        }
      }
    }
  }
  if (target.kind === 'vms' && target.params.get('states') === 'ramfile') {
    const dir = vmPoolDir(target, ctx.cwd);
    for (const state of await markedStates(dir)) {
      const marker = await readMarker(stateRecord(dir, state).marker, state, 'ramfile');
      if (marker !== undefined && !busy(marker)) {
        done.push(await recoverRamfile(target, marker, ctx));
      }
    }
  }
  const first = target.kind === 'vms' ? target.images[0] : undefined;
  if (target.kind === 'vms' && first !== undefined && imageFormatOf(first) === 'qcow2') {
    const dir = join(sidecarDir(imagePath(first, ctx.cwd)), 'vms');
    for (const state of await markedStates(dir)) {
      const marker = await readMarker(stateRecord(dir, state).marker, state, 'qcow2vt');
      if (marker !== undefined && !busy(marker))
        done.push(await recoverVmState(target, marker, ctx));
    }
  }
  return done;
}

/**
 * Recovers an interrupted `ramfile` set or unset of a vm state: its RAM file (or the dead
 * writer's temporary one) goes, and each image's state of the same name is dealt with as an
 * interrupted qcow2ext operation of that image (an image moved into the pool is put back, the
 * half-made state discarded, an unset finished). The vm state is then missing: nothing proves
 * an interrupted write complete.
 */
export async function recoverRamfile(
  target: VmTarget,
  marker: StateMarker,
  ctx: ResolvedContext,
): Promise<Recovery> {
  const dir = vmPoolDir(target, ctx.cwd);
  const name = `${marker.state}.ram`;
  const temps = (await readDirOrEmpty(dir)).filter((entry) => {
    const pid = tempWriterPid(entry, name);
    return pid !== undefined && isAbandonedPid(pid);
  });
  await removeFiles([join(dir, name), ...temps.map((entry) => join(dir, entry))]);
  const notes: string[] = [];
  let done = true;
  for (const image of target.images) {
    const imageMarker: StateMarker = { ...marker, object: image.id, backend: 'qcow2ext' };
    const r = await recoverQcow2ext(image, imageMarker, ctx);
    done &&= r.done;
    notes.push(`${image.id}: ${r.detail}`);
  }
  const record = stateRecord(dir, marker.state);
  if (done) await removeFiles([record.manifest, record.marker]);
  return {
    target: target.id,
    kind: 'vms',
    state: marker.state,
    backend: 'ramfile',
    op: marker.op,
    done,
    detail: `an interrupted ${marker.op} of pid ${marker.pid}: removed the RAM file; ${notes.join('; ')}`,
  };
}

/**
 * Deals, object by object under its locks, with the states interrupted operations left behind
 * (in-progress markers): each is discarded, or its removal finished, and what the operation
 * had moved (an active image moved into the pool) is put back; see `recoverTarget`. Every
 * state operation does this for its objects first; this is for tools (`verify --repair`) and
 * tests. Resolves with what was done, per state.
 */
export async function recoverStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<Recovery[]> {
  const rctx = resolvedContext(ctx);
  const done: Recovery[] = [];
  for (const target of targets) {
    done.push(
      ...(await withObjectLocks(
        [target],
        lockKeys(target, rctx.cwd, rctx.runDir),
        `recover ${target.id}`,
        rctx,
        (recovered) => Promise.resolve(recovered),
      )),
    );
  }
  return done;
}

/**
 * Deals with a qcow2 image state (internal snapshot) whose set or unset was interrupted: its
 * disk-only snapshots of that name are deleted (a killed `qemu-img snapshot` leaves either the
 * old table or the new one, so the snapshot is there or not, never half), leaked clusters are
 * repaired, and manifest and marker go. A vm state's tag of the same name is never touched. An
 * image another process holds (a running vm) is left for later.
 */
export async function recoverImageSnapshot(
  image: ImageTarget,
  marker: StateMarker,
  ctx: ResolvedContext,
): Promise<Recovery> {
  const { state } = marker;
  const path = imagePath(image, ctx.cwd);
  const record = stateRecord(join(sidecarDir(path), 'images'), state);
  const outcome = (done: boolean, detail: string): Recovery => ({
    target: image.id,
    kind: 'images',
    state,
    backend: 'qcow2',
    op: marker.op,
    done,
    detail,
  });
  let detail = 'nothing was left of it';
  if (await pathExists(path)) {
    try {
      const same = (await imageInfo(path, ctx.qemu)).snapshots.filter((s) => s.name === state);
      if (same.some((s) => !isDiskOnlySnapshot(s))) {
        detail = 'a vm state has the same tag: left alone';
      } else {
        for (let i = 0; i < same.length; i++) await deleteSnapshot(path, state, ctx.qemu);
        await repairLeaks([path], ctx.qemu);
        if (same.length > 0) detail = 'discarded it';
      }
    } catch (error) {
      if (!isQemuError(error, 'QEMU_IMAGE_LOCKED')) throw error;
      return outcome(false, `left for later: ${path} is in use by another process`);
    }
  }
  await rm(record.manifest, { force: true });
  await rm(record.marker, { force: true });
  return outcome(true, `an interrupted ${marker.op} of pid ${marker.pid}: ${detail}`);
}

interface JobInfo {
  id: string;
  status: string;
}

const JOB_WAIT_MS = 60_000;

/**
 * QEMU runs a snapshot job on its own: one whose client died goes on to its end. Waits until
 * no job runs, and dismisses the finished ones nobody is left to dismiss.
 */
async function settleJobs(vm: QemuVm, ctx: ResolvedContext): Promise<void> {
  const until = Date.now() + JOB_WAIT_MS;
  for (;;) {
    const jobs = await vm.qmp.execute<JobInfo[]>('query-jobs', undefined, { signal: ctx.signal });
    const busy = jobs.filter((j) => j.status !== 'concluded' && j.status !== 'null');
    for (const job of jobs.filter((j) => j.status === 'concluded')) {
      await vm.qmp.execute('job-dismiss', { id: job.id }, { signal: ctx.signal });
    }
    if (busy.length === 0) return;
    if (Date.now() > until) {
      throw new QemuError(
        'QEMU_TIMEOUT',
        `snapshot jobs still running: ${busy.map((j) => j.id).join(', ')}`,
      );
    }
    await sleep(20, undefined, { signal: ctx.signal });
  }
}

/**
 * Deals with a vm state whose set or unset was interrupted: the vm snapshot of that name is
 * deleted from every image that has it, in the running vm (after its snapshot jobs settled:
 * QEMU finishes a save whose client died) or, with the vm off, with qemu-img (leaked clusters
 * repaired after). Disk-only snapshots of the same name (image states) are never touched.
 */
export async function recoverVmState(
  vm: VmTarget,
  marker: StateMarker,
  ctx: ResolvedContext,
): Promise<Recovery> {
  const { state } = marker;
  const images = vm.images.map((i) => imagePath(i, ctx.cwd));
  const first = images[0];
  const outcome = (done: boolean, detail: string): Recovery => ({
    target: vm.id,
    kind: 'vms',
    state,
    backend: 'qcow2vt',
    op: marker.op,
    done,
    detail,
  });
  if (first === undefined) return outcome(false, 'the vm has no images');
  const record = stateRecord(join(sidecarDir(first), 'vms'), state);
  const running = await locateVm(vm.vmId, ctx);
  if (running !== undefined) {
    await withVm(running, ctx, async (qemu) => {
      await settleJobs(qemu, ctx);
      // HMP delvm removes the tag wherever it is and is silent where it is not.
      const said = await qemu.qmp.hmp(`delvm ${state}`, { signal: ctx.signal });
      const failure = hmpFailure(`delvm ${state}`, said);
      if (failure !== undefined)
        throw new QemuError(failure.code, `delvm ${state}: ${failure.text}`);
    });
  } else {
    for (const image of images) {
      if (!(await pathExists(image))) continue;
      const same = (await imageInfo(image, ctx.qemu)).snapshots.filter((s) => s.name === state);
      // qemu-img deletes the first snapshot of a name: never risk an image state's.
      if (same.some(isDiskOnlySnapshot)) continue;
      const tags = same;
      for (let i = 0; i < tags.length; i++) await deleteSnapshot(image, state, ctx.qemu);
      if (tags.length > 0) await repairLeaks([image], ctx.qemu);
    }
  }
  await rm(record.manifest, { force: true });
  await rm(record.marker, { force: true });
  return outcome(
    true,
    `an interrupted ${marker.op} of pid ${marker.pid}: discarded it ${running === undefined ? '(vm off)' : 'in the running vm'}`,
  );
}

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QemuError } from '../errors.js';
import { deleteSnapshot, hmpFailure, imageInfo, repairLeaks } from '../qemu/index.js';
import type { QemuVm } from '../qemu/index.js';
import { imagePath } from './image-path.js';
import { isDiskOnlySnapshot } from './is-disk-only-snapshot.js';
import { locateVm } from './locate-vm.js';
import { pathExists } from './path-exists.js';
import type { Recovery } from './recovery.js';
import type { ResolvedContext } from './resolved-context.js';
import { sidecarDir } from './sidecar-dir.js';
import type { StateMarker } from './state-marker.js';
import { stateRecord } from './state-record.js';
import type { VmTarget } from './state-target.js';
import { withVm } from './with-vm.js';

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

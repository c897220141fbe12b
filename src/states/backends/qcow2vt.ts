import { StateError } from '../../errors.js';
import { deleteSnapshot, type GuestMachine, machineDifferences } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import { isStateName, type ResolvedContext } from '../ops/index.js';
import { imagePath, recordDirOf } from '../pool/index.js';
import { readManifest, stateRecord } from '../records/index.js';
import type { VmTarget } from '../target.js';
import { locateVm, requireRunningVm, startVm, stopVm, withVm } from '../vms/index.js';
import type { BackendName, StateBackend, StateInfo } from './backend.js';
import { createImageRoot } from './image-roots.js';
import { completeVmStates, isDiskOnlySnapshot, vmImageInfos } from './internal-snapshots.js';

/**
 * Refuses to load vm state `state` into a vm whose machine (`now`) differs from the one its
 * manifest recorded at the save, naming what differs: QEMU would fail with no more than "Size mismatch"
 * or "Unknown savevm section", or worse, load it. States without a recorded machine (made by
 * hand, or by an older cartograph) are left to QEMU.
 */
export async function assertSameMachine(
  target: VmTarget,
  state: string,
  backend: BackendName,
  now: GuestMachine,
  ctx: ResolvedContext,
): Promise<void> {
  const record = stateRecord(recordDirOf(target, backend, ctx.cwd), state);
  const saved = (await readManifest(record.manifest))?.manifest?.machine;
  if (saved === undefined) return;
  const differences = machineDifferences(saved, now);
  if (differences.length > 0) {
    throw new StateError(
      'STATE_HARDWARE_MISMATCH',
      `vm state "${state}" of ${target.id} was saved on other hardware than the vm has now: ${differences.join(', ')}`,
      { hint: 'set the vm params back to what the state was saved with, or set the state again' },
    );
  }
}

/**
 * Vm states (disk and RAM) as internal snapshots with RAM on every image of the vm, made and
 * restored in a running vm that cartograph started (QMP snapshot jobs: their errors come from
 * `query-jobs`, and a failed load resumes a vm that was running). The root is `boot`: the vm
 * runs. A state is there only when it is complete (`completeVmStates`: RAM on the first image,
 * the tag on every image); tags that are image states or leftovers on some images only are
 * never overwritten silently.
 */
export const qcow2vtBackend: StateBackend<VmTarget> = {
  name: 'qcow2vt',
  kind: 'vms',

  async show(target, ctx) {
    const infos = await vmImageInfos(target, ctx);
    return completeVmStates((infos ?? []).map((i) => i.info))
      .filter((s) => isStateName(s.name))
      .map((s): StateInfo => ({
        name: s.name,
        vmStateBytes: s.vmStateSize,
        date: new Date(s.dateSec * 1000).toISOString(),
      }));
  },

  async exists(target, state, ctx) {
    const infos = await vmImageInfos(target, ctx);
    return completeVmStates((infos ?? []).map((i) => i.info)).some((s) => s.name === state);
  },

  async get(target, state, ctx) {
    const running = await requireRunningVm(target, state, ctx);
    await assertSameMachine(target, state, 'qcow2vt', running.machine, ctx);
    await withVm(running, ctx, async (vm) => {
      await vm.loadSnapshot(state, { signal: ctx.signal });
      // The restored vm goes on running, as the reference's get does (pause, loadvm, resume).
      const status = await vm.qmp.execute<{ running: boolean }>('query-status');
      if (!status.running) await vm.qmp.execute('cont');
    });
    return undefined;
  },

  async set(target, state, overwrite, ctx, begin) {
    const running = await requireRunningVm(target, state, ctx);
    const infos = (await vmImageInfos(target, ctx)) ?? [];
    const snapshots = infos.map((i) => i.info.snapshots.filter((s) => s.name === state));
    const diskOnly = infos.filter((_, i) => snapshots[i]?.some(isDiskOnlySnapshot));
    if (diskOnly.length > 0) {
      throw new StateError(
        'STATE_REFUSED',
        `${target.id}: "${state}" is the tag of an image state (no RAM) in ${diskOnly.map((i) => i.image).join(', ')}`,
        { hint: 'use another name for the vm state, or unset the image state first' },
      );
    }
    const complete = completeVmStates(infos.map((i) => i.info)).some((s) => s.name === state);
    const tagged = infos.filter((_, i) => (snapshots[i]?.length ?? 0) > 0);
    if (tagged.length > 0 && !complete) {
      throw new StateError(
        'STATE_REFUSED',
        `${target.id}: vm state "${state}" is left over on some images only (${tagged.map((i) => i.image).join(', ')})`,
        { hint: 'remove the leftover snapshots (qemu-img snapshot -d) before setting it again' },
      );
    }
    if (complete && !overwrite) {
      throw new StateError('STATE_REFUSED', `${target.id}: vm state "${state}" exists already`);
    }
    await begin();
    await withVm(running, ctx, async (vm) => {
      if (complete) await vm.deleteSnapshot(state, { signal: ctx.signal });
      await vm.saveSnapshot(state, { signal: ctx.signal });
    });
    return undefined;
  },

  async unset(target, state, ctx, begin) {
    const running = await locateVm(target.vmId, ctx);
    await begin();
    if (running !== undefined) {
      await withVm(running, ctx, (vm) => vm.deleteSnapshot(state, { signal: ctx.signal }));
      return undefined;
    }
    // A vm that is off: the snapshots are removed from its images directly.
    for (const image of target.images) {
      await deleteSnapshot(imagePath(image, ctx.cwd), state, ctx.qemu);
    }
    return 'removed from the images of the vm, which is off';
  },

  async checkRoot(target, ctx) {
    return (await locateVm(target.vmId, ctx)) !== undefined;
  },

  getRoot: () => Promise.resolve(),

  async setRoot(target, ctx) {
    const made: string[] = [];
    for (const image of target.images) {
      if (!(await pathExists(imagePath(image, ctx.cwd))))
        made.push(await createImageRoot(image, ctx));
    }
    const { vm } = await startVm(target, ctx);
    return [...made, `booted (pid ${vm.pid})`].join('; ');
  },

  async unsetRoot(target, ctx) {
    const result = await stopVm(target.vmId, 'its boot state is unset', ctx);
    return result === undefined ? undefined : `stopped (${result.method})`;
  },
};

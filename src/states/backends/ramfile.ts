/**
 * The `ramfile` backend (avocado-i2n's name): a vm state as files in the pool, so that it is
 * never inside an image that a get replaces, and many vms can start from it at once. State S
 * of a vm is its RAM and device state, a migration stream `<swarm_pool>/<vm id>/S.ram`, and
 * the image state S (`qcow2ext`) of each of its images, saved at the same moment.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../../errors.js';
import {
  type GuestMachine,
  guestMachine,
  incomingFromFile,
  QemuVm,
  resumeIncoming,
  saveRamFile,
} from '../../qemu/index.js';
import { pathExists, syncDir, tempPath } from '../../shared/index.js';
import { isStateName, type ResolvedContext } from '../ops/index.js';
import { dependentsOf, imagePath, poolDir, readPool, vmPoolDir } from '../pool/index.js';
import type { ImageTarget, VmTarget } from '../target.js';
import { locateVm, requireRunningVm, startVm, stopVm, vmHardware, withVm } from '../vms/index.js';
import type { BeginWrite, StateBackend, StateInfo } from './backend.js';
import { createImageRoot } from './image-roots.js';
import { qcow2extBackend, qcow2extSet, qcow2extUnset } from './qcow2ext.js';
import { assertSameMachine } from './qcow2vt.js';

const SUFFIX = '.ram';

/** The migration stream of vm state `state`. */
export function ramFileOf(target: VmTarget, state: string, cwd: string): string {
  return join(vmPoolDir(target, cwd), `${state}${SUFFIX}`);
}

/** The images of a ramfile vm, each of which must keep qcow2ext states (its disk part). */
function poolImages(target: VmTarget): readonly ImageTarget[] {
  const others = target.images.filter((i) => i.params.get('states') !== 'qcow2ext');
  if (target.images.length === 0 || others.length > 0) {
    throw new StateError(
      'STATE_BAD_BACKEND',
      target.images.length === 0
        ? `${target.id} has no images: a ramfile vm state needs at least one`
        : `${target.id}: a ramfile vm state keeps the disks as qcow2ext image states, but ${others.map((i) => i.id).join(', ')} use ${others[0]?.params.get('states') ?? 'qcow2'}`,
      { hint: 'set states_images = qcow2ext for the images of the vm' },
    );
  }
  return target.images;
}

const noBegin: BeginWrite = () => Promise.resolve();

/** The machine the vm's params describe now (a ramfile state is loaded into a new vm). */
function machineNow(target: VmTarget, ctx: ResolvedContext): GuestMachine {
  const { memoryMiB, hardware } = vmHardware(target, ctx.cwd);
  return guestMachine({ drives: target.images.map(() => ({ file: '' })), memoryMiB, hardware });
}

/**
 * Vm states (disk and RAM) as files in the pool. A set stops the running vm, streams its RAM
 * to `<state>.ram` with QEMU's migration (uncapped), quits it, and saves every image as the
 * qcow2ext image state of the same name; the vm is then off. A get puts every image on that
 * image state (a fresh overlay) and starts the vm with `-incoming` from the file: it resumes
 * where it was saved, no boot. Nothing of a state is inside an image, so image states can be
 * got and set around it, and clones of the vm can start from it side by side.
 */
export const ramfileBackend: StateBackend<VmTarget> = {
  name: 'ramfile',
  kind: 'vms',

  async show(target, ctx) {
    const dir = vmPoolDir(target, ctx.cwd);
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return [];
    }
    const out: StateInfo[] = [];
    for (const entry of entries.sort()) {
      const name = entry.slice(0, -SUFFIX.length);
      if (!entry.endsWith(SUFFIX) || !isStateName(name)) continue;
      if (!(await this.exists(target, name, ctx))) continue;
      const s = await stat(join(dir, entry));
      out.push({ name, vmStateBytes: s.size, fileBytes: s.size, date: s.mtime.toISOString() });
    }
    return out;
  },

  async exists(target, state, ctx) {
    if (!(await pathExists(ramFileOf(target, state, ctx.cwd)))) return false;
    for (const image of poolImages(target)) {
      if (!(await qcow2extBackend.exists(image, state, ctx))) return false;
    }
    return true;
  },

  async get(target, state, ctx) {
    const images = poolImages(target);
    await assertSameMachine(target, state, 'ramfile', machineNow(target, ctx), ctx);
    // A vm restored from a stream starts from it, not from whatever runs now.
    await stopVm(target.vmId, `vm state "${state}" is being restored`, {
      ...ctx,
      stopFor: 'discard',
    });
    for (const image of images) await qcow2extBackend.get(image, state, ctx);
    const { vm } = await startVm(target, ctx, {
      incoming: incomingFromFile(ramFileOf(target, state, ctx.cwd)),
    });
    await withVm(vm, ctx, (qemu: QemuVm) => resumeIncoming(qemu.qmp, { signal: ctx.signal }));
    return 'the vm resumes from the saved RAM on fresh overlays of the image states';
  },

  async set(target, state, overwrite, ctx, begin) {
    const images = poolImages(target);
    const running = await requireRunningVm(target, state, ctx);
    const file = ramFileOf(target, state, ctx.cwd);
    const exists = await this.exists(target, state, ctx);
    if (exists && !overwrite) {
      throw new StateError('STATE_REFUSED', `${target.id}: vm state "${state}" exists already`);
    }
    await begin();
    await mkdir(vmPoolDir(target, ctx.cwd), { recursive: true });
    // Written under a temporary name: a file named <state>.ram is always a whole stream.
    const temp = tempPath(vmPoolDir(target, ctx.cwd), `${state}${SUFFIX}`);
    try {
      await withVm(running, ctx, (qemu: QemuVm) =>
        saveRamFile(qemu.qmp, temp, { signal: ctx.signal }),
      );
      // QEMU writes everything the guest wrote to the disks when it quits.
      await stopVm(target.vmId, `its vm state "${state}" is saved`, {
        ...ctx,
        stopFor: 'discard',
      });
      for (const image of images) await qcow2extSet(image, state, overwrite, ctx, noBegin);
      await rename(temp, file);
      await syncDir(vmPoolDir(target, ctx.cwd));
    } finally {
      await rm(temp, { force: true });
    }
    return 'saved the RAM to the pool and the disks as image states; the vm is off';
  },

  async unset(target, state, ctx, begin) {
    const images = poolImages(target);
    // Refuse before anything changes: an image state others are built on stays.
    for (const image of images) {
      const pool = await readPool(poolDir(image, ctx.cwd), ctx);
      const file = join(poolDir(image, ctx.cwd), `${state}.qcow2`);
      const dependents = dependentsOf(pool, file);
      if (dependents.length > 0 && !image.params.getBoolean('unset_dependents', false)) {
        throw new StateError(
          'STATE_REFUSED',
          `${target.id}: cannot unset vm state "${state}": the states ${dependents.map((s) => `"${s.name}"`).join(', ')} of ${image.id} are built on its disk`,
          { hint: 'unset them first, or set unset_dependents = yes to remove them with it' },
        );
      }
    }
    // The image states go with it, and the vm's images are in use while it runs.
    await stopVm(target.vmId, `its vm state "${state}" is removed`, ctx);
    await begin();
    await rm(ramFileOf(target, state, ctx.cwd), { force: true });
    for (const image of images) {
      if (await qcow2extBackend.exists(image, state, ctx)) {
        await qcow2extUnset(image, state, ctx, noBegin);
      }
    }
    return 'removed the RAM file and the image states';
  },

  async checkRoot(target, ctx) {
    return (await locateVm(target.vmId, ctx)) !== undefined;
  },

  getRoot: () => Promise.resolve(),

  async setRoot(target, ctx) {
    // Booted only for a state to be restored into: the restore starts the vm itself.
    if (ctx.bootFor === 'restore') return 'the vm starts from the state';
    const made: string[] = [];
    for (const image of target.images) {
      if (!(await pathExists(imagePath(image, ctx.cwd)))) {
        made.push(await createImageRoot(image, ctx));
      }
    }
    const { vm } = await startVm(target, ctx);
    return [...made, `booted (pid ${vm.pid})`].join('; ');
  },

  async unsetRoot(target, ctx) {
    const result = await stopVm(target.vmId, 'its boot state is unset', ctx);
    return result === undefined ? undefined : `stopped (${result.method})`;
  },
};

/**
 * Starting and stopping the vm of a vm object, detached from this process so that it keeps
 * running between commands.
 */
import { StateError } from '../../errors.js';
import { QemuVm, type VmStopResult } from '../../qemu/index.js';
import { pathExists, readDirOrEmpty } from '../../shared/index.js';
import { createImageRoot } from '../backends/index.js';
import { lockKeys, withObjectLocks } from '../locks/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from '../ops/index.js';
import { imageFormatOf, imagePath } from '../pool/index.js';
import type { StateTarget, VmTarget } from '../target.js';
import {
  askGuestToPowerOff,
  bootedGuestAccess,
  guestAccessOf,
  waitForGuest,
} from './guest-access.js';
import { vmHardware } from './hardware.js';
import { locateVm, prepareRunDir, type RunningVm, runningVm } from './run-dirs.js';

/**
 * Runs `fn` with a QMP connection to a running vm and lets go of it afterwards (QEMU serves
 * one QMP client at a time, so no connection is kept between operations).
 */
export async function withVm<T>(
  running: RunningVm,
  ctx: ResolvedContext,
  fn: (vm: QemuVm) => Promise<T>,
): Promise<T> {
  const vm = await QemuVm.attach(running.runDir, { signal: ctx.signal });
  try {
    return await fn(vm);
  } finally {
    await vm.detach();
  }
}

/**
 * Boots a vm with the hardware its params describe (see `vmHardware`; every image attached as
 * a qcow2 virtio drive, a serial console and a guest agent channel in its run directory)
 * detached from this process, so that it keeps running until something stops it; a later
 * process finds it through its run directory. A vm that already runs is returned as it is.
 */
export async function startVm(
  target: VmTarget,
  ctx: ResolvedContext,
  options: {
    /**
     * Resume from a migration stream (a `ramfile` state) instead of booting: QEMU's
     * `-incoming`; the caller waits for the load and continues the vm.
     */
    readonly incoming?: string;
  } = {},
): Promise<{ vm: RunningVm; booted: boolean }> {
  const running = await locateVm(target.vmId, ctx);
  if (running !== undefined) return { vm: running, booted: false };
  if (target.images.length === 0) {
    throw new StateError(
      'STATE_BAD_BACKEND',
      `${target.id} has no images: a vm state needs at least one qcow2 image`,
    );
  }
  const drives: { file: string }[] = [];
  for (const image of target.images) {
    if (imageFormatOf(image) !== 'qcow2') {
      throw new StateError(
        'STATE_BAD_BACKEND',
        `${image.id} is a raw image: vms are booted with qcow2 images only (vm states live in them)`,
      );
    }
    const file = imagePath(image, ctx.cwd);
    if (!(await pathExists(file))) {
      throw new StateError('STATE_MISSING', `${image.id}: image ${file} does not exist`, {
        hint: 'create it first (cartograph create)',
      });
    }
    drives.push({ file });
  }
  const { memoryMiB, hardware, extraArgs } = vmHardware(target, ctx.cwd);
  const guest = guestAccessOf(target);
  const runDir = await prepareRunDir(target.vmId, ctx);
  // How to reach the guest and shut it down, for whoever finds the vm later (the file is
  // the user's own, mode 0600, like the run directory).
  const meta = { guest };
  const vm = await QemuVm.start({
    runDir,
    drives,
    memoryMiB,
    hardware,
    extraArgs,
    incoming: options.incoming,
    detached: true,
    name: target.id,
    meta,
    signal: ctx.signal,
  });
  await vm.detach();
  const started = runningVm(target.vmId, vm.pid, vm.paths, { ...vm, meta });
  ctx.emit({
    type: 'vm-booted',
    target: target.id,
    pid: started.pid,
    runDir: started.runDir,
    qmpSocket: started.qmpSocket,
  });
  if (ctx.bootFor !== 'restore' && options.incoming === undefined && guest.access !== 'none') {
    try {
      await waitForGuest(started, guest, ctx);
    } catch (error) {
      // A guest that does not come up leaves no vm behind.
      await stopVm(target.vmId, 'its guest did not answer', {
        ...ctx,
        signal: undefined,
        stopFor: 'discard',
      });
      throw error;
    }
    ctx.emit({ type: 'guest-ready', target: target.id, access: guest.access });
  }
  return { vm: started, booted: true };
}

/**
 * Stops the running vm of `vmId` cleanly (QMP `quit`, escalating to signals; leaked clusters
 * repaired after a kill) and removes its run directory. `undefined` when it was not running.
 */
export async function stopVm(
  vmId: string,
  reason: string,
  ctx: ResolvedContext,
): Promise<VmStopResult | undefined> {
  const running = await locateVm(vmId, ctx);
  if (running === undefined) return undefined;
  const vm = await QemuVm.attach(running.runDir, { signal: ctx.signal });
  const guest = bootedGuestAccess(running);
  const result = await vm.stop(
    guest === undefined || guest.access === 'none' || ctx.stopFor === 'discard'
      ? {}
      : {
          guestShutdown: () => askGuestToPowerOff(running, guest, ctx),
          guestShutdownTimeoutMs: guest.shutdownTimeoutMs,
        },
  );
  ctx.emit({
    type: 'vm-stopped',
    target: vmId,
    method: result.method,
    reason,
    repaired: result.repairs.filter((r) => r.result !== undefined).map((r) => r.file),
  });
  return result;
}

/**
 * Boots a vm unless it runs already (missing images are created first), detached: it keeps
 * running after this returns, and `findVm` finds it again from any process. No policy: the
 * scheduler's "make sure it runs".
 */
export async function bootVm(target: VmTarget, ctx: StateContext): Promise<RunningVm> {
  const rctx = resolvedContext(ctx);
  return withObjectLocks(
    [target],
    lockKeys(target, rctx.cwd, rctx.runDir),
    `boot ${target.id}`,
    rctx,
    async () => {
      for (const image of target.images) {
        if (!(await pathExists(imagePath(image, rctx.cwd)))) await createImageRoot(image, rctx);
      }
      return (await startVm(target, rctx)).vm;
    },
  );
}

/**
 * Stops the vm of a target (a vm, or the vm an image belongs to) if it runs: QMP `quit`, then
 * SIGTERM, then SIGKILL with leaked clusters repaired, and its run directory removed. Resolves
 * with how it ended, `undefined` when it was not running. No policy.
 */
export async function shutdownVm(
  target: StateTarget,
  ctx: StateContext,
  reason = 'asked to shut down',
): Promise<VmStopResult | undefined> {
  const rctx = resolvedContext(ctx);
  return withObjectLocks(
    [target],
    lockKeys(target, rctx.cwd, rctx.runDir),
    `shutdown ${target.id}`,
    rctx,
    () => stopVm(target.vmId, reason, rctx),
  );
}

/**
 * Stops every vm that runs under `ctx.runDir`, at once (`quit`: nothing of theirs is kept),
 * and cleans what vms that died there left: for a directory of throw-away clones, whose vms
 * nobody else will stop. Resolves with the ids of the vms it found running.
 */
export async function stopVmsUnder(ctx: StateContext, reason: string): Promise<string[]> {
  const rctx: ResolvedContext = { ...resolvedContext(ctx), stopFor: 'discard' };
  const ids = new Set<string>();
  for (const entry of await readDirOrEmpty(rctx.runDir)) {
    // A vm's directory, or the record of the short one it fell back to under /tmp.
    const id = entry.endsWith('.run-dir') ? entry.slice(0, -'.run-dir'.length) : entry;
    if (!id.endsWith('.lock') && !id.startsWith('.')) ids.add(id);
  }
  const stopped: string[] = [];
  for (const id of ids) {
    if ((await stopVm(id, reason, rctx)) !== undefined) stopped.push(id);
  }
  return stopped;
}

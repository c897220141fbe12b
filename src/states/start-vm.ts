import { QemuVm } from '../qemu/index.js';
import { StateError } from '../errors.js';
import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import { locateVm } from './locate-vm.js';
import { pathExists } from './path-exists.js';
import { prepareRunDir } from './prepare-run-dir.js';
import type { ResolvedContext } from './resolved-context.js';
import type { RunningVm } from './running-vm.js';
import type { VmTarget } from './state-target.js';

/** Guest RAM when `mem` is not set: small guests make savevm/loadvm fast. */
const DEFAULT_MEM_MIB = 64;

/**
 * Boots a vm (TCG, headless, `mem` MiB, every image attached as a qcow2 virtio drive) detached
 * from this process, so that it keeps running until something stops it; a later process finds
 * it through its run directory. A vm that already runs is returned as it is.
 */
export async function startVm(
  target: VmTarget,
  ctx: ResolvedContext,
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
  const runDir = await prepareRunDir(target.vmId, ctx);
  const vm = await QemuVm.start({
    runDir,
    drives,
    memoryMiB: target.params.getNumeric('mem', DEFAULT_MEM_MIB),
    detached: true,
    name: target.id,
    signal: ctx.signal,
  });
  await vm.detach();
  const started: RunningVm = {
    vmId: target.vmId,
    pid: vm.pid,
    runDir: vm.runDir,
    qmpSocket: vm.qmp.socketPath,
    images: vm.drives.map((d) => d.file),
  };
  ctx.emit({
    type: 'vm-booted',
    target: target.id,
    pid: started.pid,
    runDir: started.runDir,
    qmpSocket: started.qmpSocket,
  });
  return { vm: started, booted: true };
}

import { QemuVm } from '../qemu/index.js';
import type { ResolvedContext } from './resolved-context.js';
import type { RunningVm } from './running-vm.js';

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

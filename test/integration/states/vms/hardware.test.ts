import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { StateError } from '../../../../src/errors.js';
import { QemuVm } from '../../../../src/qemu/index.js';
import {
  bootVms,
  findVm,
  getStates,
  imagePath,
  type RunningVm,
  setStates,
  shutdownVms,
  type StateContext,
  type VmTarget,
} from '../../../../src/states/index.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { failure } from '../../../helpers/failure.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { statesWorkspace } from '../../../helpers/states-fixture.js';
import { imageTarget, vmTarget, withParams } from '../../../helpers/states-targets.js';

/** Runs `fn` on a short-lived QMP connection to the running vm. */
async function withQmp<T>(running: RunningVm, fn: (vm: QemuVm) => Promise<T>): Promise<T> {
  const vm = await QemuVm.attach(running.runDir);
  try {
    return await fn(vm);
  } finally {
    await vm.detach();
  }
}

/**
 * The hardware params of a vm reach QEMU (CPUs, CD-ROMs, network cards with host port
 * forwards, serial console and agent channel in the run directory), and a vm state saved on one
 * machine is refused on another with an error that names the difference.
 */
describeQemu('vm hardware from params', () => {
  const sandbox = useQemuSandbox();

  async function setup(params: Record<string, string>) {
    const ws = await statesWorkspace(sandbox);
    const disk = imageTarget(
      { image_name: 'vm1/disk', images_base_dir: 'images', states: 'qcow2' },
      { vm: 'vm1', vmId: 'vm1-hw' },
    );
    await mkdir(join(ws.dir, 'images', 'vm1'), { recursive: true });
    await createBootSectorGuest(imagePath(disk, ws.dir));
    const vm = vmTarget({ states: 'qcow2vt', accel: 'tcg', ...params }, [disk]);
    return { ...ws, vm };
  }

  async function running(vm: VmTarget, ctx: StateContext): Promise<RunningVm> {
    const found = await findVm(vm, ctx);
    if (found === undefined) throw new Error(`${vm.id} is not running`);
    return found;
  }

  it('boots with the CPUs, CD-ROM, nic and forwards asked for, and channels in the run directory', async () => {
    const { ctx, dir, vm } = await setup({
      mem: '48',
      smp: '2',
      cdroms: 'cd1',
      cdrom_cd1: 'install.iso',
      nics: 'nic1',
      guest_forwards: '22 8080',
    });
    await writeFile(join(dir, 'install.iso'), Buffer.alloc(2048 * 16));
    await bootVms([vm], ctx);
    try {
      const vmRun = await running(vm, ctx);
      expect(vmRun.machine).toMatchObject({
        smp: 2,
        memoryMiB: 48,
        cdroms: 1,
        nics: ['virtio-net-pci'],
      });
      const ports = vmRun.forwards.nic1 ?? [];
      expect(ports.map((f) => f.guestPort)).toEqual([22, 8080]);
      for (const f of ports) expect(f.hostPort).toBeGreaterThan(0);
      await withQmp(vmRun, async (qemu) => {
        expect(await qemu.qmp.execute<unknown[]>('query-cpus-fast')).toHaveLength(2);
        const blocks =
          await qemu.qmp.execute<{ device: string; inserted?: { ro: boolean } }[]>('query-block');
        expect(blocks.find((b) => b.device === 'cd1')?.inserted?.ro).toBe(true);
        const usernet = await qemu.qmp.hmp('info usernet');
        for (const f of ports)
          expect(usernet).toMatch(new RegExp(`127\\.0\\.0\\.1 +${f.hostPort} .* ${f.guestPort} `));
      });
      // The host side of a forward listens (QEMU accepts, whatever the guest does).
      const first = ports[0];
      if (first === undefined) throw new Error('no forward');
      await new Promise<void>((resolve, reject) => {
        const socket = connect(first.hostPort, '127.0.0.1', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });
      for (const file of [vmRun.serialSocket, vmRun.agentSocket, vmRun.consoleLog]) {
        expect(existsSync(file)).toBe(true);
      }
    } finally {
      await shutdownVms([vm], ctx);
    }
  });

  it('refuses to load a vm state into other hardware, naming the difference', async () => {
    const { ctx, vm } = await setup({ mem: '48' });
    const mctx: StateContext = {
      ...ctx,
      manifestFor: () => ({ key: 'k', producer: 'test', parents: {} }),
    };
    await bootVms([vm], mctx);
    try {
      await setStates([withParams(vm, { set_state: 'ready' })], mctx);
    } finally {
      await shutdownVms([vm], mctx);
    }
    const bigger = withParams(vm, { mem: '64', smp: '2', get_state: 'ready' });
    const error = await failure(getStates([bigger], mctx), StateError);
    expect(error.code).toBe('STATE_HARDWARE_MISMATCH');
    expect(error.message).toContain('mem 48 MiB → 64 MiB');
    expect(error.message).toContain('smp 1 → 2');
    await shutdownVms([vm], mctx);
    // Back on the hardware it was saved with, it loads.
    const [loaded] = await getStates([withParams(vm, { get_state: 'ready' })], mctx);
    expect(loaded?.action).not.toBe('failed');
    await shutdownVms([vm], mctx);
  });
});

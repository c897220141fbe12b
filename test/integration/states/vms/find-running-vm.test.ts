import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { QemuVm } from '../../../../src/qemu/vm/qemu-vm.js';
import { findRunningVm } from '../../../../src/qemu/vm/run-dir.js';
import { isProcessAlive } from '../../../../src/shared/process.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

describeQemu('findRunningVm (src/qemu, added for the states module)', () => {
  const sandbox = useQemuSandbox();

  it('tells none, running and stale apart without taking the QMP monitor', async () => {
    const dir = await sandbox.dir();
    const runDir = join(dir, 'run');
    expect((await findRunningVm(runDir)).status).toBe('none');
    const image = join(dir, 'disk.qcow2');
    await createImage(image, { size: '16M' });
    const vm = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], paused: true }),
    );
    const found = await findRunningVm(runDir);
    expect(found).toMatchObject({ status: 'running', pid: vm.pid });
    // The starter still holds QMP, and asking did not disturb it.
    expect(await vm.qmp.execute('query-status')).toMatchObject({ status: 'prelaunch' });

    process.kill(vm.pid, 'SIGKILL');
    for (let i = 0; i < 400 && isProcessAlive(vm.pid); i++)
      await new Promise((r) => setTimeout(r, 5));
    expect((await findRunningVm(runDir)).status).toBe('stale');

    // A pid file pointing at some other live process is not that vm.
    await mkdir(runDir, { recursive: true });
    await writeFile(join(runDir, 'qemu.pid'), `${process.pid}\n`);
    expect((await findRunningVm(runDir)).status).toBe('stale');
  });
});

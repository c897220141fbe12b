import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { QemuVm } from '../../../../src/qemu/vm/qemu-vm.js';
import { cleanStaleRunDir } from '../../../../src/qemu/vm/run-dir.js';
import { isProcessAlive } from '../../../../src/shared/process.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { qemuModuleForNode } from '../../../helpers/qemu-module-for-node.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Session id of a process (field 6 of /proc/<pid>/stat). */
async function sessionOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 400 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 5));
}

describeQemu('detached vms found again from their run directory', () => {
  const sandbox = useQemuSandbox();

  async function guest(dir: string): Promise<string> {
    const image = join(dir, 'guest.qcow2');
    await createBootSectorGuest(image);
    return image;
  }

  it('keeps running after the node process that started it exits; a fresh client attaches and stops it', async () => {
    const dir = await sandbox.dir();
    const image = await guest(dir);
    const runDir = join(dir, 'run');
    const index = await qemuModuleForNode(join(dir, 'module'));
    const script = join(dir, 'start-detached.mjs');
    await writeFile(
      script,
      `import { QemuVm } from ${JSON.stringify(index)};
const [runDir, image] = process.argv.slice(2);
const vm = await QemuVm.start({ runDir, drives: [{ file: image }], detached: true });
await vm.detach();
process.stdout.write(JSON.stringify({ pid: vm.pid }));
`,
    );
    // The child must exit by itself: a detached vm must not keep its starter alive.
    const starter = execa('node', [script, runDir, image], { timeout: 20_000 });
    const child = await starter;
    const { pid } = JSON.parse(child.stdout) as { pid: number };
    sandbox.trackPid(pid);
    expect(isProcessAlive(starter.pid ?? -1)).toBe(false);
    expect(isProcessAlive(pid)).toBe(true);
    // Its own session: a ^C to our terminal's process group does not reach it.
    expect(await sessionOf(pid)).toBe(pid);
    expect(await sessionOf(pid)).not.toBe(await sessionOf(process.pid));

    const vm = sandbox.track(await QemuVm.attach(runDir));
    expect(vm.pid).toBe(pid);
    expect(vm.detached).toBe(true);
    expect(vm.drives).toEqual([{ file: image, id: 'drv0', nodeName: 'disk0' }]);
    expect(await vm.qmp.execute('query-status')).toMatchObject({ running: true });
    await vm.saveSnapshot('from the second process');

    expect((await vm.stop()).method).toBe('quit');
    await waitGone(pid);
    expect(isProcessAlive(pid)).toBe(false);
    expect(await exists(runDir)).toBe(false);
    expect((await imageInfo(image)).snapshots.map((s) => s.name)).toEqual([
      'from the second process',
    ]);
  });

  it('detaches and attaches within one process; only one QMP client at a time', async () => {
    const dir = await sandbox.dir();
    const image = await guest(dir);
    const runDir = join(dir, 'run');
    const first = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], detached: true, paused: true }),
    );
    // While the first client is connected, QEMU does not greet a second one.
    const busy = await QemuVm.attach(runDir, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(isQemuError(busy, 'QEMU_TIMEOUT')).toBe(true);
    await first.detach();
    expect(first.isAlive()).toBe(true);

    const second = sandbox.track(await QemuVm.attach(runDir));
    expect(second.pid).toBe(first.pid);
    expect(await second.qmp.execute('query-status')).toMatchObject({ status: 'prelaunch' });
    expect((await second.stop()).method).toBe('quit');
    expect(first.isAlive()).toBe(false);
  });

  it('does not trust a pid file whose process is gone or is not that qemu', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'disk.qcow2');
    await createImage(image, { size: '64M' });
    const runDir = join(dir, 'run');
    const vm = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], detached: true, paused: true }),
    );
    await vm.detach();
    process.kill(vm.pid, 'SIGKILL');
    await waitGone(vm.pid);

    const gone = await QemuVm.attach(runDir).catch((e: unknown) => e);
    expect(isQemuError(gone, 'QEMU_VM')).toBe(true);

    // The pid now belongs to some other process (pid reuse): still not that vm.
    const other = execa('sleep', ['30'], { reject: false });
    sandbox.trackPid(other.pid ?? -1);
    await writeFile(join(runDir, 'qemu.pid'), `${String(other.pid)}\n`);
    const reused = await QemuVm.attach(runDir).catch((e: unknown) => e);
    expect(isQemuError(reused, 'QEMU_VM')).toBe(true);
    other.kill('SIGKILL');
    await other;

    const cleanup = await cleanStaleRunDir(runDir);
    expect(cleanup.found).toBe(true);
    expect(cleanup.repairs.map((r) => [r.file, r.result?.status])).toEqual([[image, 'clean']]);
    expect(await exists(runDir)).toBe(false);
    expect(await cleanStaleRunDir(runDir)).toEqual({ found: false, repairs: [] });
  });

  it('starts again in the run directory of a vm that died, and refuses to clean a live one', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'disk.qcow2');
    await createImage(image, { size: '64M' });
    const runDir = join(dir, 'run');
    const dead = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], paused: true }),
    );
    process.kill(dead.pid, 'SIGKILL');
    await waitGone(dead.pid);
    const vm = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], paused: true }),
    );
    expect(vm.pid).not.toBe(dead.pid);
    expect(isQemuError(await cleanStaleRunDir(runDir).catch((e: unknown) => e), 'QEMU_VM')).toBe(
      true,
    );
    expect((await vm.stop()).method).toBe('quit');
  });
});

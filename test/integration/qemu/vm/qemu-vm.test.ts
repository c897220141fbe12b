import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isQemuError, QemuCommandError } from '../../../../src/qemu/errors.js';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { QemuVm } from '../../../../src/qemu/vm/qemu-vm.js';
import type { StartVmOptions } from '../../../../src/qemu/vm/start-vm-process.js';
import { isProcessAlive } from '../../../../src/shared/process.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { holdImageLock } from '../../../helpers/qemu-lock-holder.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function startFailure(options: StartVmOptions): Promise<QemuCommandError> {
  const error = await QemuVm.start(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof QemuCommandError))
    throw new Error(`expected a start failure, got ${String(error)}`);
  return error;
}

describeQemu('QemuVm: start and stop qemu-system-x86_64', () => {
  const sandbox = useQemuSandbox();

  async function disk(dir: string, name = 'disk.qcow2'): Promise<string> {
    const path = join(dir, name);
    await createImage(path, { size: '64M' });
    return path;
  }

  it('starts paused with QMP ready, keeps its files in the run dir, stops with quit and cleans up', async () => {
    const dir = await sandbox.dir();
    const image = await disk(dir);
    const runDir = join(dir, 'run');
    const started = performance.now();
    const vm = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], paused: true }),
    );
    const readyMs = performance.now() - started;
    expect(readyMs).toBeLessThan(5_000);
    expect(vm.qmp.greeting.version.qemu).toMatchObject({ major: 7 });
    expect(await vm.qmp.execute('query-status')).toMatchObject({
      status: 'prelaunch',
      running: false,
    });
    expect(vm.drives).toEqual([{ file: image, id: 'drv0', nodeName: 'disk0' }]);
    expect((await readdir(runDir)).sort()).toEqual([
      'console.log',
      'qemu.log',
      'qemu.pid',
      'qga.sock',
      'qmp.sock',
      'serial.sock',
      'vm.json',
    ]);
    expect(Number((await readFile(join(runDir, 'qemu.pid'), 'utf8')).trim())).toBe(vm.pid);
    const state = JSON.parse(await readFile(join(runDir, 'vm.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(state).toMatchObject({
      version: 2,
      pid: vm.pid,
      memoryMiB: 64,
      machine: { machine: 'pc', accel: 'tcg', memoryMiB: 64, disks: 1, nics: [] },
      forwards: {},
      paused: true,
      detached: false,
    });
    expect(state.command).toEqual(vm.command);

    // The image is held while the vm runs.
    expect(await imageInfo(image).catch((e: unknown) => (e as QemuCommandError).code)).toBe(
      'QEMU_IMAGE_LOCKED',
    );

    const result = await vm.stop();
    expect(result).toEqual({ method: 'quit', repairs: [] });
    expect(isProcessAlive(vm.pid)).toBe(false);
    expect(await exists(runDir)).toBe(false);
    expect(vm.qmp.isClosed).toBe(true);
    // Unlocked and clean: plain info (no -U) works.
    expect((await imageInfo(image)).format).toBe('qcow2');
    expect((await checkImage(image)).status).toBe('clean');
    // Stopping twice is harmless.
    expect(await vm.stop()).toEqual(result);
  });

  it('runs the guest without -S and takes drives with commas in their names', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'boot,sector.qcow2');
    await createBootSectorGuest(image);
    const second = await disk(dir, 'data disk.qcow2');
    const vm = sandbox.track(
      await QemuVm.start({
        runDir: join(dir, 'run'),
        drives: [{ file: image }, { file: second, id: 'data', nodeName: 'data0' }],
        name: 'guest,1',
      }),
    );
    expect(await vm.qmp.execute('query-status')).toMatchObject({ running: true });
    const blocks =
      await vm.qmp.execute<{ device: string; inserted?: { file: string; 'node-name': string } }[]>(
        'query-block',
      );
    expect(blocks.map((b) => [b.device, b.inserted?.file, b.inserted?.['node-name']])).toEqual([
      ['drv0', image, 'disk0'],
      ['data', second, 'data0'],
    ]);
    expect(await vm.qmp.execute('query-name')).toEqual({ name: 'guest,1' });
    expect((await vm.stop()).method).toBe('quit');
  });

  it('fails a vm that dies at start with its log tail: missing image', async () => {
    const dir = await sandbox.dir();
    const runDir = join(dir, 'run');
    const missing = join(dir, 'none.qcow2');
    const error = await startFailure({ runDir, drives: [{ file: missing }] });
    expect(error.code).toBe('QEMU_IMAGE_MISSING');
    expect(error.image).toBe(missing);
    expect(error.stderrTail).toContain('No such file or directory');
    expect(error.exitCode).toBe(1);
    expect(error.command[0]).toBe('qemu-system-x86_64');
    expect(await exists(runDir)).toBe(false);
  });

  it('fails a vm whose image another process holds: QEMU_IMAGE_LOCKED, image untouched', async () => {
    const dir = await sandbox.dir();
    const image = await disk(dir);
    await holdImageLock(image);
    const error = await startFailure({ runDir: join(dir, 'run'), drives: [{ file: image }] });
    expect(error.code).toBe('QEMU_IMAGE_LOCKED');
    expect(error.image).toBe(image);
  });

  it('fails other start problems with QEMU_VM and the log tail', async () => {
    const dir = await sandbox.dir();
    const error = await startFailure({
      runDir: join(dir, 'run'),
      drives: [],
      extraArgs: ['-no-such-option'],
    });
    expect(error.code).toBe('QEMU_VM');
    expect(error.stderrTail).toContain('-no-such-option');
  });

  it('refuses a missing program, a too long run dir, and a run dir in use', async () => {
    const dir = await sandbox.dir();
    const image = await disk(dir);
    const notFound = await startFailure({
      runDir: join(dir, 'r1'),
      drives: [],
      binary: 'qemu-system-none',
    });
    expect(notFound.code).toBe('QEMU_NOT_FOUND');

    const long = await QemuVm.start({ runDir: join(dir, 'x'.repeat(120)), drives: [] }).catch(
      (e: unknown) => e,
    );
    expect(isQemuError(long, 'QEMU_BAD_ARGUMENT')).toBe(true);

    const runDir = join(dir, 'run');
    const vm = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], paused: true }),
    );
    const again = await QemuVm.start({ runDir, drives: [], paused: true }).catch((e: unknown) => e);
    expect(isQemuError(again, 'QEMU_VM')).toBe(true);
    expect(vm.isAlive()).toBe(true);
    await vm.stop();
  });

  it('escalates to SIGKILL when the vm does not react, then repairs the leaked clusters', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'guest.qcow2');
    await createBootSectorGuest(image);
    const vm = sandbox.track(
      await QemuVm.start({ runDir: join(dir, 'run'), drives: [{ file: image }] }),
    );
    // A savevm on a running guest followed by a hard kill leaves a leaked cluster.
    await vm.qmp.hmp('savevm s1');
    // A stopped process answers neither QMP nor SIGTERM; only SIGKILL ends it.
    process.kill(vm.pid, 'SIGSTOP');
    const started = performance.now();
    const result = await vm.stop({ quitTimeoutMs: 150, termTimeoutMs: 150 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result.method).toBe('sigkill');
    expect(isProcessAlive(vm.pid)).toBe(false);
    expect(result.repairs).toHaveLength(1);
    expect(result.repairs[0]?.file).toBe(image);
    expect(result.repairs[0]?.result).toMatchObject({ status: 'clean', leaks: 0 });
    expect(result.repairs[0]?.result?.leaksFixed).toBeGreaterThan(0);
    expect(await checkImage(image)).toMatchObject({ status: 'clean', leaks: 0 });
    expect((await imageInfo(image)).snapshots.map((s) => s.name)).toEqual(['s1']);
  });

  it('reports a vm that died by itself as gone, and repairs its images on stop', async () => {
    const dir = await sandbox.dir();
    const image = await disk(dir);
    const runDir = join(dir, 'run');
    const vm = sandbox.track(
      await QemuVm.start({ runDir, drives: [{ file: image }], paused: true }),
    );
    const closed = new Promise((resolve) => vm.qmp.onClose(resolve));
    process.kill(vm.pid, 'SIGKILL');
    expect(isQemuError(await closed, 'QEMU_VM')).toBe(true);
    const result = await vm.stop();
    expect(result.method).toBe('gone');
    expect(result.repairs.map((r) => r.result?.status)).toEqual(['clean']);
    expect(await exists(runDir)).toBe(false);
  });
});

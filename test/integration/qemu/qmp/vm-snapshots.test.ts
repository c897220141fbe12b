import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isQemuError, QmpError } from '../../../../src/qemu/errors.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { ioPatternCommand, qemuIo } from '../../../../src/qemu/img/qemu-io.js';
import { createSnapshot } from '../../../../src/qemu/img/snapshots.js';
import type { QmpEvent } from '../../../../src/qemu/qmp/qmp-client.js';
import { resumeAfterFailedLoad } from '../../../../src/qemu/qmp/vm-snapshots.js';
import { QemuVm } from '../../../../src/qemu/vm/qemu-vm.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { failure } from '../../../helpers/failure.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The boot-sector guest's counter at 0x500, read with HMP `xp`. */
async function counter(vm: QemuVm): Promise<number> {
  const output = await vm.qmp.hmp('xp /1wx 0x500');
  const match = /: (0x[0-9a-f]+)/.exec(output);
  if (match?.[1] === undefined) throw new Error(`unexpected xp output ${JSON.stringify(output)}`);
  return Number(match[1]);
}

/** Waits until the guest has reached its loop (SeaBIOS takes ~70 ms under TCG). */
async function untilCounting(vm: QemuVm): Promise<void> {
  for (let i = 0; i < 500 && (await counter(vm)) === 0; i++) await sleep(10);
  expect(await counter(vm)).toBeGreaterThan(0);
}

async function running(vm: QemuVm): Promise<boolean> {
  return (await vm.qmp.execute<{ running: boolean }>('query-status')).running;
}

describeQemu('vm snapshots through QMP (boot-sector guest)', () => {
  const sandbox = useQemuSandbox();

  /** A running boot-sector guest whose disk holds 0xab at 1M..2M. */
  async function guest(): Promise<{ vm: QemuVm; image: string }> {
    const dir = await sandbox.dir();
    const image = join(dir, 'guest.qcow2');
    await createBootSectorGuest(image);
    await qemuIo(image, [ioPatternCommand('write', 0xab, '1M', '1M')]);
    await createSnapshot(image, 'disk-only');
    const vm = sandbox.track(
      await QemuVm.start({ runDir: join(dir, 'run'), drives: [{ file: image }] }),
    );
    await untilCounting(vm);
    return { vm, image };
  }

  it('HMP savevm/loadvm restore RAM (the counter) and disk', async () => {
    const { vm, image } = await guest();
    await vm.qmp.hmp('stop');
    const saved = await counter(vm);
    await vm.qmp.hmp('savevm c1');
    const snapshot = (await imageInfo(image, { forceShare: true })).snapshots.find(
      (s) => s.name === 'c1',
    );
    expect(snapshot?.vmStateSize).toBeGreaterThan(0);

    // Change RAM (let the guest count) and disk (write through the vm's own block layer).
    await vm.qmp.hmp('qemu-io drv0 "write -P 0xcd 1M 64k"');
    await vm.qmp.hmp('cont');
    await sleep(50);
    await vm.qmp.hmp('stop');
    expect(await counter(vm)).not.toBe(saved);

    await vm.qmp.hmp('loadvm c1');
    expect(await counter(vm)).toBe(saved);
    // loadvm keeps a paused vm paused; cont lets the restored guest go on counting.
    expect(await running(vm)).toBe(false);
    await vm.qmp.hmp('cont');
    await sleep(20);
    expect(await counter(vm)).not.toBe(saved);

    expect((await vm.stop()).method).toBe('quit');
    expect((await qemuIo(image, [ioPatternCommand('read', 0xab, '1M', '1M')])).ok).toBe(true);
  });

  it('snapshot jobs save, load and delete (tags with spaces too), with STOP/RESUME events', async () => {
    const { vm, image } = await guest();
    const events: QmpEvent[] = [];
    vm.qmp.onEvent((event) => events.push(event));

    await vm.saveSnapshot('while running');
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['STOP', 'RESUME', 'JOB_STATUS_CHANGE']),
    );
    expect(await running(vm)).toBe(true);

    await vm.qmp.execute('stop');
    const saved = await counter(vm);
    await vm.saveSnapshot('job one');
    await vm.qmp.execute('cont');
    await sleep(50);
    await vm.qmp.execute('stop');
    expect(await counter(vm)).not.toBe(saved);
    await vm.loadSnapshot('job one');
    expect(await counter(vm)).toBe(saved);

    // Jobs are dismissed: none left behind in QEMU.
    expect(await vm.qmp.execute('query-jobs')).toEqual([]);
    const names = async (): Promise<string[]> =>
      (await imageInfo(image, { forceShare: true })).snapshots.map((s) => s.name);
    expect(await names()).toEqual(['disk-only', 'while running', 'job one']);
    await vm.deleteSnapshot('job one');
    expect(await names()).toEqual(['disk-only', 'while running']);
    await vm.stop();
  });

  it('a failed load of a missing snapshot leaves a running vm running', async () => {
    const { vm } = await guest();
    const error = await failure(vm.loadSnapshot('nosuch'), QmpError);
    expect(error.code).toBe('QEMU_SNAPSHOT_MISSING');
    expect(error.desc).toBe("Snapshot 'nosuch' does not exist in one or more devices");
    expect(await running(vm)).toBe(true);

    // HMP loadvm reports the same error in a "successful" return and leaves the vm stopped.
    const hmp = await failure(vm.qmp.hmp('loadvm nosuch'), QmpError);
    expect(hmp.code).toBe('QEMU_SNAPSHOT_MISSING');
    expect(await running(vm)).toBe(false);
    expect(await resumeAfterFailedLoad(vm.qmp, true)).toBe(true);
    expect(await running(vm)).toBe(true);
    expect(await resumeAfterFailedLoad(vm.qmp, true)).toBe(false);
    await vm.stop();
  });

  it('refuses to load a disk-only snapshot into a vm, and other HMP/QMP errors', async () => {
    const { vm } = await guest();
    const job = await failure(vm.loadSnapshot('disk-only'), QmpError);
    expect(job.code).toBe('QEMU_QMP');
    expect(job.desc).toContain('disk-only snapshot');
    expect(await running(vm)).toBe(true);
    const hmp = await failure(vm.qmp.hmp('loadvm disk-only'), QmpError);
    expect(hmp.code).toBe('QEMU_QMP');
    expect(hmp.desc).toContain('disk-only snapshot');
    await resumeAfterFailedLoad(vm.qmp, true);

    await vm.saveSnapshot('s1');
    expect((await failure(vm.saveSnapshot('s1'), QmpError)).code).toBe('QEMU_SNAPSHOT_EXISTS');
    expect((await failure(vm.qmp.hmp('savevm tag with space'), QmpError)).desc).toContain(
      'extraneous characters',
    );
    expect((await failure(vm.qmp.hmp('nosuchcommand'), QmpError)).code).toBe('QEMU_QMP');
    const unknown = await failure(vm.qmp.execute('no-such-command'), QmpError);
    expect(unknown).toMatchObject({ code: 'QEMU_QMP', errorClass: 'CommandNotFound' });
    // QEMU 7.2 reports nothing for HMP delvm of a missing tag; the job API does.
    expect(await vm.qmp.hmp('delvm nosuch')).toBe('');
    expect(
      isQemuError(await vm.deleteSnapshot('2').catch((e: unknown) => e), 'QEMU_BAD_ARGUMENT'),
    ).toBe(true);
    expect(await running(vm)).toBe(true);
    await vm.stop();
  });

  it('fails waiting commands with QEMU_VM when the vm dies', async () => {
    const { vm } = await guest();
    const waiting = vm.qmp.waitForEvent('NEVER_SENT');
    process.kill(vm.pid, 'SIGKILL');
    expect(isQemuError(await waiting.catch((e: unknown) => e), 'QEMU_VM')).toBe(true);
    expect(
      isQemuError(await vm.qmp.execute('query-status').catch((e: unknown) => e), 'QEMU_VM'),
    ).toBe(true);
    expect((await vm.stop()).method).toBe('gone');
  });
});

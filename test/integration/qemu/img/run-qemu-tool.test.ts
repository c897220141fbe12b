import { join } from 'node:path';
import { expect, it } from 'vitest';
import { QemuCommandError } from '../../../../src/qemu/errors.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { runQemuTool } from '../../../../src/qemu/img/run-qemu-tool.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { failure } from '../../../helpers/failure.js';

describeQemu('runQemuTool', () => {
  const sandbox = useQemuSandbox();

  it('maps a program that is not installed to QEMU_NOT_FOUND', async () => {
    const error = await failure(
      runQemuTool('qemu-img', ['--version'], { binary: 'qemu-img-not-installed' }),
      QemuCommandError,
    );
    expect(error.code).toBe('QEMU_NOT_FOUND');
    expect(error.command).toEqual(['qemu-img-not-installed', '--version']);
    const dir = await sandbox.dir();
    expect(
      (
        await failure(
          createImage(join(dir, 'a.qcow2'), { size: '1M', binary: 'no-qemu-img-here' }),
          QemuCommandError,
        )
      ).code,
    ).toBe('QEMU_NOT_FOUND');
  });

  it('kills a program that runs too long: QEMU_TIMEOUT with the signal', async () => {
    const started = Date.now();
    const error = await failure(
      runQemuTool('qemu-io', ['-c', 'sleep 5000'], { timeoutMs: 100 }),
      QemuCommandError,
    );
    expect(error.code).toBe('QEMU_TIMEOUT');
    expect(error.signal).toBe('SIGTERM');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('kills a program when the signal aborts: QEMU_ABORTED with the reason as cause', async () => {
    const controller = new AbortController();
    const reason = new Error('user pressed ^C');
    setTimeout(() => {
      controller.abort(reason);
    }, 50);
    const error = await failure(
      runQemuTool('qemu-io', ['-c', 'sleep 5000'], { signal: controller.signal }),
      QemuCommandError,
    );
    expect(error.code).toBe('QEMU_ABORTED');
    expect(error.cause).toBe(reason);
    const again = await failure(
      runQemuTool('qemu-img', ['--version'], { signal: controller.signal }),
      QemuCommandError,
    );
    expect(again.code).toBe('QEMU_ABORTED');
  });

  it('keeps command, exit code and stderr tail of a failure', async () => {
    const dir = await sandbox.dir();
    const garbage = join(dir, 'garbage.qcow2');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(garbage, 'not an image at all');
    const error = await failure(
      runQemuTool('qemu-img', ['info', '-f', 'qcow2', garbage]),
      QemuCommandError,
    );
    expect(error.code).toBe('QEMU_FAILED');
    expect(error.exitCode).toBe(1);
    expect(error.command).toEqual(['qemu-img', 'info', '-f', 'qcow2', garbage]);
    expect(error.stderrTail).toContain('Image is not in qcow2 format');
    expect(error.message).toContain('exit code 1');
  });
});

import { expect, it } from 'vitest';
import { QemuCommandError } from '../../../../src/qemu/errors.js';
import { pathOwner, targetFsError } from '../../../../src/states/pool/fs-failures.js';
import { pooledImage } from '../../../helpers/states-targets.js';

const image = pooledImage();
const cwd = '/work';

it('tells which parameter a path of a target comes from', () => {
  expect(pathOwner(image, '/work/pool/vm1-tiny/image1/.x.writing', cwd)).toBe(
    'swarm_pool of vm1-tiny/image1',
  );
  expect(pathOwner(image, '/work/images/vm1/.disk.qcow2.lock', cwd)).toBe(
    'image_name in images_base_dir of vm1-tiny/image1',
  );
  expect(pathOwner(image, '/elsewhere', cwd)).toBeUndefined();
});

it('turns failed writes of cartograph and of qemu-img into FS_* errors naming the parameter', () => {
  const enospc = Object.assign(new Error('ENOSPC'), {
    code: 'ENOSPC',
    syscall: 'write',
    path: '/work/pool/vm1-tiny/image1/.customize.writing.1.ab.tmp',
  });
  expect(targetFsError(enospc, image, cwd)).toMatchObject({
    code: 'FS_NO_SPACE',
    message: expect.stringMatching(/^swarm_pool of vm1-tiny\/image1: write /) as unknown,
  });
  const qemu = (stderr: string, command: string[]) =>
    new QemuCommandError('QEMU_FAILED', `${command.join(' ')} failed: ${stderr}`, {
      command,
      exitCode: 1,
      stderrTail: stderr,
    });
  expect(
    targetFsError(
      qemu('qemu-img: Could not write refcount table: No space left on device', [
        'qemu-img',
        'create',
        '/work/images/vm1/disk.qcow2',
      ]),
      image,
      cwd,
    ),
  ).toMatchObject({ code: 'FS_NO_SPACE', path: '/work/images/vm1/disk.qcow2' });
  expect(
    targetFsError(
      qemu("Could not create snapshot 's': -30 (Read-only file system)", [
        'qemu-img',
        'snapshot',
        '-c',
        's',
        'driver=qcow2,file.driver=file,file.filename=/work/images/vm1/disk.qcow2',
      ]),
      image,
      cwd,
    ),
  ).toMatchObject({ code: 'FS_READ_ONLY', path: '/work/images/vm1/disk.qcow2' });
  // Anything else stays as it was.
  expect(targetFsError(qemu('Invalid image size', ['qemu-img', 'create', 'x']), image, cwd)).toBe(
    undefined,
  );
  expect(targetFsError(new Error('boom'), image, cwd)).toBeUndefined();
});

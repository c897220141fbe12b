import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { ioPatternCommand, qemuIo } from '../../../../src/qemu/img/qemu-io.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

describeQemu('qemuIo', () => {
  const sandbox = useQemuSandbox();

  async function image(): Promise<string> {
    const path = join(await sandbox.dir(), 'a.qcow2');
    await createImage(path, { size: '16M' });
    return path;
  }

  it('writes and verifies patterns; a mismatch is a result, not an exception', async () => {
    const path = await image();
    expect(await qemuIo(path, [ioPatternCommand('write', 0xab, 0, '1M')])).toMatchObject({
      ok: true,
      mismatches: [],
    });
    expect((await qemuIo(path, [ioPatternCommand('read', 0xab, 0, '1M')])).ok).toBe(true);
    const mismatch = await qemuIo(path, [
      ioPatternCommand('read', 0xcd, 0, '1M'),
      ioPatternCommand('read', 0xab, 0, '1M'),
    ]);
    expect(mismatch.ok).toBe(false);
    expect(mismatch.mismatches).toEqual(['Pattern verification failed at offset 0, 1048576 bytes']);
  });

  it('reads read-only; refuses a write then and other real failures with errors', async () => {
    const path = await image();
    expect((await qemuIo(path, ['read -P 0 0 64k'], { readOnly: true })).ok).toBe(true);
    const write = await qemuIo(path, ['write -P 1 0 1'], { readOnly: true }).catch(
      (e: unknown) => e,
    );
    expect(isQemuError(write, 'QEMU_FAILED')).toBe(true);
    const beyond = await qemuIo(path, ['read -P 0 100M 1M']).catch((e: unknown) => e);
    expect(isQemuError(beyond, 'QEMU_FAILED')).toBe(true);
    expect((beyond as Error).message).toContain('read failed');
    const unknown = await qemuIo(path, ['nosuch 0 1']).catch((e: unknown) => e);
    expect(isQemuError(unknown, 'QEMU_FAILED')).toBe(true);
    expect(
      isQemuError(await qemuIo(path, [], {}).catch((e: unknown) => e), 'QEMU_BAD_ARGUMENT'),
    ).toBe(true);
    expect(
      isQemuError(
        await qemuIo(path, ['read 0 1'], { forceShare: true }).catch((e: unknown) => e),
        'QEMU_BAD_ARGUMENT',
      ),
    ).toBe(true);
  });
});

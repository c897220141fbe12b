import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildGuestImage,
  GUEST_DISK_LAYOUT,
  guestImageHash,
  parseDiskSize,
  partitionScript,
  syslinuxConfig,
} from '../../../src/guest-image/guest-image.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('the boot disk recipe', () => {
  it('syslinux.cfg boots at once on the serial console with the root partition', () => {
    expect(syslinuxConfig().split('\n')).toEqual([
      'SERIAL 0 115200',
      'DEFAULT linux',
      'PROMPT 0',
      'TIMEOUT 0',
      'LABEL linux',
      '  LINUX /vmlinuz',
      '  INITRD /initrd.gz',
      '  APPEND console=ttyS0,115200 panic=-1 root=/dev/vda2',
      '',
    ]);
  });

  it('partitions: bootable FAT16 from 1 MiB to 32 MiB, Linux from 32 MiB to the end', () => {
    expect(partitionScript()).toBe(
      'label: dos\nstart=2048, size=63488, type=6, bootable\nstart=65536, type=83\n',
    );
    expect(GUEST_DISK_LAYOUT.rootOffset).toBe(
      GUEST_DISK_LAYOUT.bootOffset + GUEST_DISK_LAYOUT.bootSize,
    );
  });

  it('reads disk sizes in binary units and refuses odd or tiny ones', () => {
    expect(parseDiskSize('256M')).toBe(256 * 2 ** 20);
    expect(parseDiskSize('1G')).toBe(2 ** 30);
    expect(parseDiskSize('1GiB')).toBe(2 ** 30);
    expect(parseDiskSize('65536k')).toBe(64 * 2 ** 20);
    expect(parseDiskSize(128 * 2 ** 20)).toBe(128 * 2 ** 20);
    for (const bad of ['32M', '100000k', '1.5G', 'big', '', 64 * 2 ** 20 + 1]) {
      expect(() => parseDiskSize(bad)).toThrow(expect.objectContaining({ code: 'GUEST_BUILD' }));
    }
  });

  it('hashes every option that changes the image', () => {
    const base = guestImageHash();
    expect(guestImageHash({ size: '256M', password: 'cartograph', hostname: 'cartograph' })).toBe(
      base,
    );
    expect(guestImageHash({ size: '512M' })).not.toBe(base);
    expect(guestImageHash({ password: 'other' })).not.toBe(base);
    expect(guestImageHash({ hostname: 'other' })).not.toBe(base);
  });
});

describe('buildGuestImage', () => {
  it('refuses bad options before preparing anything', async () => {
    const dir = tempDir('cg-guest-');
    const out = join(dir, 'out', 'guest.qcow2');
    for (const options of [{ size: '10M' }, { hostname: 'a b' }, { password: '' }]) {
      await expect(
        buildGuestImage({ out, cacheDir: join(dir, 'cache'), ...options }),
      ).rejects.toThrow(expect.objectContaining({ code: 'GUEST_BUILD' }));
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is aborted before it starts', async () => {
    const dir = tempDir('cg-guest-');
    await expect(
      buildGuestImage({
        out: join(dir, 'out', 'guest.qcow2'),
        cacheDir: join(dir, 'cache'),
        signal: AbortSignal.abort(),
      }),
    ).rejects.toThrow(expect.objectContaining({ code: 'GUEST_ABORTED' }));
    expect(readdirSync(dir)).toEqual([]);
  });
});

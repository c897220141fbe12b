import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  defaultGuestCacheDir,
  KIT_RECIPE_VERSION,
  kitHash,
  prepareGuestKit,
} from '../../../src/guest-image/guest-kit.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('defaultGuestCacheDir', () => {
  it('prefers CARTOGRAPH_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    vi.stubEnv('CARTOGRAPH_CACHE_DIR', '/c');
    vi.stubEnv('XDG_CACHE_HOME', '/x');
    expect(defaultGuestCacheDir()).toBe('/c/guest');
    vi.stubEnv('CARTOGRAPH_CACHE_DIR', '');
    expect(defaultGuestCacheDir()).toBe('/x/cartograph/guest');
    vi.stubEnv('XDG_CACHE_HOME', '');
    expect(defaultGuestCacheDir()).toBe(join(homedir(), '.cache', 'cartograph', 'guest'));
  });
});

describe('prepareGuestKit', () => {
  it('uses a complete kit in the cache without running apt or anything else', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cg-kit-'));
    try {
      const dir = join(cache, `kit-${kitHash()}`);
      await mkdir(join(dir, 'agent', 'usr', 'sbin'), { recursive: true });
      for (const file of ['vmlinuz', 'initrd.gz', 'busybox', 'agent/usr/sbin/qemu-ga']) {
        await writeFile(join(dir, file), '');
      }
      await writeFile(
        join(dir, 'kit.json'),
        JSON.stringify({
          recipe: KIT_RECIPE_VERSION,
          hash: kitHash(),
          kernelVersion: '6.1.0-99-cloud-amd64',
          kernelPackage: 'linux-image-6.1.0-99-cloud-amd64',
          packages: { 'busybox-static': '1:1.35.0-4' },
          agentPath: '/usr/sbin/qemu-ga',
          modules: ['virtio'],
        }),
      );
      // No program can be found: any attempt to run apt would fail the call.
      vi.stubEnv('PATH', join(cache, 'no-programs-here'));
      const steps: string[] = [];
      const kit = await prepareGuestKit({ cacheDir: cache, onStep: (s) => steps.push(s) });
      expect(kit).toMatchObject({
        dir,
        kernelVersion: '6.1.0-99-cloud-amd64',
        vmlinuz: join(dir, 'vmlinuz'),
        initrd: join(dir, 'initrd.gz'),
        packages: { 'busybox-static': '1:1.35.0-4' },
      });
      expect(steps).toEqual([]);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it.each([
    ['without kit.json', undefined],
    ['with a kit.json of another recipe', { recipe: -1 }],
    [
      'with its files gone',
      {
        recipe: KIT_RECIPE_VERSION,
        kernelVersion: 'k',
        agentPath: '/q',
        packages: {},
        modules: [],
      },
    ],
  ])('does not take a kit directory %s for a kit', async (_, manifest) => {
    const cache = await mkdtemp(join(tmpdir(), 'cg-kit-'));
    try {
      await mkdir(join(cache, `kit-${kitHash()}`));
      if (manifest !== undefined) {
        await writeFile(join(cache, `kit-${kitHash()}`, 'kit.json'), JSON.stringify(manifest));
      }
      vi.stubEnv('PATH', join(cache, 'no-programs-here'));
      // It starts building, and without apt that fails naming the missing program.
      const failure = prepareGuestKit({ cacheDir: cache });
      await expect(failure).rejects.toThrow(expect.objectContaining({ code: 'GUEST_BUILD' }));
      await expect(failure).rejects.toThrow(/apt-cache is not installed.*Debian package apt/);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('stops at once when aborted', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cg-kit-'));
    try {
      await expect(
        prepareGuestKit({ cacheDir: cache, signal: AbortSignal.abort() }),
      ).rejects.toThrow(expect.objectContaining({ code: 'GUEST_ABORTED' }));
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});

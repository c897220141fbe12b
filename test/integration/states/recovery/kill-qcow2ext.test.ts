import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkImage } from '../../../../src/qemu/index.js';
import { createRoots, getStates, imagePath, poolDir } from '../../../../src/states/index.js';
import { hasPattern, writePattern } from '../../../helpers/states-fixture.js';
import { describeKills, inspectOne, setWithKey } from '../../../helpers/states-kill.js';
import { pooledImage, withParams } from '../../../helpers/states-targets.js';

/**
 * SIGKILL at random moments of a qcow2ext set (new states, commits into the state the image
 * was built on, sibling replacements) in another process: an inspection right after trusts
 * nothing incomplete, the next operation on the object cleans up without losing the image's
 * content (also when the image had been moved into the pool and its overlay not yet made), and
 * a set then rebuilds the state.
 */
describeKills(
  'SIGKILL during qcow2ext set: nothing incomplete is ever trusted',
  'qcow2ext: new states, commits into the base state, sibling replacements',
  async ({ harness, workspace: { ctx, dir } }) => {
    const image = pooledImage();
    const active = imagePath(image, dir);
    const pool = poolDir(image, dir);
    const get = (state: string) => getStates([withParams(image, { get_state: state })], ctx);
    await createRoots([image], ctx);
    await writePattern(active, 0xb0, '1M', '1M');
    await setWithKey(image, 'base', 'kbase', ctx);
    await writePattern(active, 0x01);
    await setWithKey(image, 'main', 'k0', ctx);
    const pattern = new Map<string, number>([['k0', 0x01]]);
    await get('base');
    await writePattern(active, 0x02);
    const windows = await harness.measure(withParams(image, { set_state: 'calibrate' }), ctx, pool);
    // Round i: a new state, a commit into the state the image is built on, or a sibling.
    const mode = (i: number) => (['new', 'commit', 'sibling'] as const)[i % 3];

    await harness.killSets({
      target: image,
      ctx,
      recordDir: pool,
      windows,
      stateOf: (i) => (mode(i) === 'new' ? `n${i}` : 'main'),
      async prepare({ i, key, state }) {
        pattern.set(key, 0x10 + i);
        const main = await inspectOne(image, state, ctx);
        if (mode(i) === 'commit' && main?.trust === 'manifest') await get('main');
        else await get('base');
        await writePattern(active, 0x10 + i);
      },
      async afterKill({ state }, seen) {
        if (seen?.trust === 'manifest') {
          const file = join(pool, `${state}.qcow2`);
          expect(await hasPattern(file, pattern.get(seen.manifest?.key ?? '') ?? -1)).toBe(true);
        }
      },
      async afterRecovery({ i }) {
        // The image never loses what was written into it, wherever the kill fell.
        expect(await hasPattern(active, 0x10 + i)).toBe(true);
        expect(await hasPattern(active, 0xb0, '1M', '1M')).toBe(true);
        expect((await checkImage(active, { forceShare: true })).status).toBe('clean');
        expect((await readdir(pool)).filter((f) => f.startsWith('.'))).toEqual([]);
      },
      async afterRebuild({ i, state }) {
        const file = join(pool, `${state}.qcow2`);
        expect(await hasPattern(file, 0x10 + i)).toBe(true);
        expect((await checkImage(file, { forceShare: true })).status).toBe('clean');
      },
    });
  },
);

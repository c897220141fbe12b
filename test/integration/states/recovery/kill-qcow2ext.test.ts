import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import {
  createRoots,
  getStates,
  imagePath,
  inspectStates,
  poolDir,
  setStates,
} from '../../../../src/states/index.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import {
  KILL_ITERATIONS,
  KILL_TIMEOUT_MS,
  killManifest,
  type KillTally,
  useKillHarness,
} from '../../../helpers/states-kill.js';
import { imageTarget, withParams } from '../../../helpers/states-targets.js';

/**
 * SIGKILL at random moments of a qcow2ext set (new states, commits into the state the image
 * was built on, sibling replacements) in another process: an inspection right after trusts
 * nothing incomplete, the next operation on the object cleans up without losing the image's
 * content (also when the image had been moved into the pool and its overlay not yet made), and
 * a set then rebuilds the state.
 */
describeQemu('SIGKILL during qcow2ext set: nothing incomplete is ever trusted', () => {
  const sandbox = useQemuSandbox();
  const harness = useKillHarness(sandbox);

  it(
    'qcow2ext: new states, commits into the base state, sibling replacements',
    async () => {
      const { ctx, dir } = await statesWorkspace(sandbox);
      const image = imageTarget(
        {
          image_name: 'vm1/disk',
          images_base_dir: 'images',
          image_size: '16M',
          swarm_pool: 'pool',
          states: 'qcow2ext',
        },
        { vm: 'vm1', vmId: 'vm1-tiny' },
      );
      const active = imagePath(image, dir);
      const pool = poolDir(image, dir);
      const set = (state: string, key: string) =>
        setStates([withParams(image, { set_state: state })], {
          ...ctx,
          manifestFor: () => killManifest(key),
        });
      const get = (state: string) => getStates([withParams(image, { get_state: state })], ctx);
      const inspect = async (state: string) =>
        (await inspectStates([{ target: image, state }], ctx))[0];

      await createRoots([image], ctx);
      await writePattern(active, 0xb0, '1M', '1M');
      await set('base', 'kbase');
      await writePattern(active, 0x01);
      await set('main', 'k0');
      const pattern = new Map<string, number>([['k0', 0x01]]);
      await get('base');
      await writePattern(active, 0x02);
      const windows = await harness.measure(
        withParams(image, { set_state: 'calibrate' }),
        ctx,
        pool,
      );

      const tally: KillTally = { beforeChange: 0, incomplete: 0, completed: 0 };
      for (let i = 1; i <= KILL_ITERATIONS; i++) {
        const mode = (['new', 'commit', 'sibling'] as const)[i % 3];
        const key = `k${i}`;
        const p = 0x10 + i;
        pattern.set(key, p);
        const state = mode === 'new' ? `n${i}` : 'main';
        const before = await inspect(state);
        if (mode === 'commit' && before?.trust === 'manifest') await get('main');
        else await get('base');
        await writePattern(active, p);

        await harness.kill(withParams(image, { set_state: state }), ctx, key, pool, windows, i);
        const seen = await inspect(state);
        harness.expectNothingHalfTrusted(
          seen,
          before?.trust === 'manifest' ? before.manifest?.key : undefined,
          key,
          tally,
        );
        if (seen?.trust === 'manifest') {
          expect(
            await hasPattern(
              join(pool, `${state}.qcow2`),
              pattern.get(seen.manifest?.key ?? '') ?? -1,
            ),
          ).toBe(true);
        }

        await harness.recoverAll([image], ctx);
        // The image never loses what was written into it, wherever the kill fell.
        expect(await hasPattern(active, p)).toBe(true);
        expect(await hasPattern(active, 0xb0, '1M', '1M')).toBe(true);
        expect((await checkImage(active, { forceShare: true })).status).toBe('clean');
        const after = await inspect(state);
        expect(['manifest', 'missing']).toContain(after?.trust);
        expect((await readdir(pool)).filter((f) => f.startsWith('.'))).toEqual([]);

        await set(state, key);
        const rebuilt = await inspect(state);
        expect(rebuilt).toMatchObject({ trust: 'manifest', manifest: { key } });
        expect(await hasPattern(join(pool, `${state}.qcow2`), p)).toBe(true);
        expect((await checkImage(join(pool, `${state}.qcow2`), { forceShare: true })).status).toBe(
          'clean',
        );
      }
      // The kills fell before, inside and after the write (on any normal machine).
      expect(tally.beforeChange + tally.incomplete + tally.completed).toBe(KILL_ITERATIONS);
      expect(tally.incomplete).toBeGreaterThan(0);
    },
    KILL_TIMEOUT_MS,
  );
});

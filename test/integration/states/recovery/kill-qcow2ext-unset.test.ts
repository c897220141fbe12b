import { readdir } from 'node:fs/promises';
import { expect } from 'vitest';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import {
  createRoots,
  imagePath,
  inspectStates,
  poolDir,
  setStates,
  type StateContext,
  unsetStates,
} from '../../../../src/states/index.js';
import { hasPattern, writePattern } from '../../../helpers/states-fixture.js';
import {
  describeKills,
  KILL_ITERATIONS,
  killManifest,
  type KillTally,
} from '../../../helpers/states-kill.js';
import { pooledImage, withParams } from '../../../helpers/states-targets.js';

/**
 * SIGKILL at random moments of a qcow2ext unset of the state the image is built on (the state
 * leaves the pool and becomes the image) in another process: whatever the moment, the next
 * operation finishes or undoes it without losing any of the image's content, and the state is
 * either still there, trusted, or gone.
 */
describeKills(
  'SIGKILL during qcow2ext unset: the image keeps its content',
  'qcow2ext: unset of the state the image is built on (it becomes the image)',
  async ({ harness, workspace: { ctx, dir } }) => {
    const image = pooledImage();
    const active = imagePath(image, dir);
    const pool = poolDir(image, dir);
    const mctx: StateContext = { ...ctx, manifestFor: () => killManifest('k') };
    const set = (state: string) => setStates([withParams(image, { set_state: state })], mctx);
    const inspect = async (state: string) =>
      (await inspectStates([{ target: image, state }], ctx))[0];
    await createRoots([image], ctx);
    await writePattern(active, 0xb0, '1M', '1M');
    await set('base');
    await set('calibrate');
    const windows = await harness.measure(
      withParams(image, { unset_state: 'calibrate' }),
      ctx,
      pool,
      'unset',
    );

    const tally: KillTally = { beforeChange: 0, incomplete: 0, completed: 0 };
    const iterations = KILL_ITERATIONS;
    for (let i = 1; i <= iterations; i++) {
      const p = 0x10 + i;
      // The state holds p at 0; the image built on it adds p + 0x40 at 2M.
      await writePattern(active, p);
      await set('top');
      await writePattern(active, p + 0x40, '2M', '1M');

      const done = await harness.kill(
        withParams(image, { unset_state: 'top' }),
        ctx,
        'k',
        pool,
        windows,
        i,
        'unset',
      );
      const seen = await inspect('top');
      expect(['manifest', 'incomplete', 'missing']).toContain(seen?.trust);
      if (seen?.trust === 'incomplete') tally.incomplete++;
      else if (done || seen?.trust === 'missing') tally.completed++;
      else tally.beforeChange++;

      await harness.recoverAll([image], ctx);
      // Whatever the moment, the image keeps everything: the state's content and its own.
      for (const [pattern, offset] of [
        [p, 0],
        [0xb0, '1M'],
        [p + 0x40, '2M'],
      ] as const) {
        expect(await hasPattern(active, pattern, offset, '1M')).toBe(true);
      }
      expect((await checkImage(active, { forceShare: true })).status).toBe('clean');
      const after = await inspect('top');
      expect(['manifest', 'missing']).toContain(after?.trust);
      expect((await readdir(pool)).filter((f) => f.startsWith('.'))).toEqual([]);
      if (after?.trust === 'manifest') {
        await unsetStates([withParams(image, { unset_state: 'top' })], ctx);
      }
      expect(await inspect('top')).toEqual({ exists: false, trust: 'missing' });
    }
    expect(tally.incomplete + tally.completed).toBeGreaterThan(0);
  },
);

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkImage } from '../../../../src/qemu/index.js';
import { createRoots, getStates, imagePath } from '../../../../src/states/index.js';
import { hasPattern, writePattern } from '../../../helpers/states-fixture.js';
import { describeKills, setWithKey } from '../../../helpers/states-kill.js';
import { imageTarget, withParams } from '../../../helpers/states-targets.js';

/**
 * SIGKILL at random moments of a qcow2 set (internal snapshots, new and overwritten) in
 * another process: an inspection right after trusts nothing incomplete, a trusted snapshot
 * holds what its manifest says, and the next operation cleans up and rebuilds it.
 */
describeKills(
  'SIGKILL during qcow2 set: nothing incomplete is ever trusted',
  'qcow2: new internal snapshots and overwrites',
  async ({ harness, workspace: { ctx, dir } }) => {
    const image = imageTarget({ image_name: 'disk', images_base_dir: 'images', image_size: '16M' });
    const active = imagePath(image, dir);
    await createRoots([image], ctx);
    await writePattern(active, 0x01);
    await setWithKey(image, 'main', 'k0', ctx);
    const pattern = new Map<string, number>([['k0', 0x01]]);
    const recordDir = join(dir, 'images', '.disk.qcow2.states', 'images');
    await mkdir(recordDir, { recursive: true });
    const windows = await harness.measure(
      withParams(image, { set_state: 'calibrate' }),
      ctx,
      recordDir,
    );

    await harness.killSets({
      target: image,
      ctx,
      recordDir,
      windows,
      stateOf: (i) => (i % 2 === 0 ? `n${i}` : 'main'),
      async prepare({ i, key }) {
        pattern.set(key, 0x10 + i);
        await writePattern(active, 0x10 + i);
      },
      async afterRecovery({ i, state }, after) {
        expect(await hasPattern(active, 0x10 + i)).toBe(true);
        expect((await checkImage(active)).status).toBe('clean');
        if (after?.trust === 'manifest') {
          // What the manifest says is what the snapshot holds.
          await getStates([withParams(image, { get_state: state })], ctx);
          expect(await hasPattern(active, pattern.get(after.manifest?.key ?? '') ?? -1)).toBe(true);
          await writePattern(active, 0x10 + i);
        }
      },
    });
  },
);

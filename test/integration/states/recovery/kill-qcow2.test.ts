import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import {
  createRoots,
  getStates,
  imagePath,
  inspectStates,
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
 * SIGKILL at random moments of a qcow2 set (internal snapshots, new and overwritten) in
 * another process: an inspection right after trusts nothing incomplete, a trusted snapshot
 * holds what its manifest says, and the next operation cleans up and rebuilds it.
 */
describeQemu('SIGKILL during qcow2 set: nothing incomplete is ever trusted', () => {
  const sandbox = useQemuSandbox();
  const harness = useKillHarness(sandbox);

  it(
    'qcow2: new internal snapshots and overwrites',
    async () => {
      const { ctx, dir } = await statesWorkspace(sandbox);
      const image = imageTarget({
        image_name: 'disk',
        images_base_dir: 'images',
        image_size: '16M',
      });
      const active = imagePath(image, dir);
      const set = (state: string, key: string) =>
        setStates([withParams(image, { set_state: state })], {
          ...ctx,
          manifestFor: () => killManifest(key),
        });
      const inspect = async (state: string) =>
        (await inspectStates([{ target: image, state }], ctx))[0];
      await createRoots([image], ctx);
      await writePattern(active, 0x01);
      await set('main', 'k0');
      const pattern = new Map<string, number>([['k0', 0x01]]);
      const records = join(dir, 'images', '.disk.qcow2.states', 'images');
      await mkdir(records, { recursive: true });
      const windows = await harness.measure(
        withParams(image, { set_state: 'calibrate' }),
        ctx,
        records,
      );

      const tally: KillTally = { beforeChange: 0, incomplete: 0, completed: 0 };
      for (let i = 1; i <= KILL_ITERATIONS; i++) {
        const key = `k${i}`;
        const p = 0x10 + i;
        pattern.set(key, p);
        const state = i % 2 === 0 ? `n${i}` : 'main';
        const before = await inspect(state);
        await writePattern(active, p);

        await harness.kill(withParams(image, { set_state: state }), ctx, key, records, windows, i);
        const seen = await inspect(state);
        harness.expectNothingHalfTrusted(
          seen,
          before?.trust === 'manifest' ? before.manifest?.key : undefined,
          key,
          tally,
        );
        await harness.recoverAll([image], ctx);
        expect(await hasPattern(active, p)).toBe(true);
        expect((await checkImage(active)).status).toBe('clean');
        const after = await inspect(state);
        expect(['manifest', 'missing']).toContain(after?.trust);
        if (after?.trust === 'manifest') {
          // What the manifest says is what the snapshot holds.
          await getStates([withParams(image, { get_state: state })], ctx);
          expect(await hasPattern(active, pattern.get(after.manifest?.key ?? '') ?? -1)).toBe(true);
          await writePattern(active, p);
        }
        await set(state, key);
        expect(await inspect(state)).toMatchObject({ trust: 'manifest', manifest: { key } });
      }
      expect(tally.incomplete).toBeGreaterThan(0);
    },
    KILL_TIMEOUT_MS,
  );
});

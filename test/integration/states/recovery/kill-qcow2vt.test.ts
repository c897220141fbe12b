import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  bootVms,
  getStates,
  imagePath,
  inspectStates,
  setStates,
  shutdownVms,
} from '../../../../src/states/index.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { statesWorkspace } from '../../../helpers/states-fixture.js';
import {
  KILL_ITERATIONS,
  KILL_TIMEOUT_MS,
  killManifest,
  type KillTally,
  useKillHarness,
} from '../../../helpers/states-kill.js';
import { imageTarget, vmTarget, withParams } from '../../../helpers/states-targets.js';

/**
 * SIGKILL at random moments of a qcow2vt set (vm states of a running vm, new and overwritten)
 * in another process: an inspection right after trusts nothing incomplete (QEMU may finish a
 * save job whose client died: the state still lacks its manifest), a trusted vm state loads,
 * and the next operation cleans up and rebuilds it.
 */
describeQemu('SIGKILL during qcow2vt set: nothing incomplete is ever trusted', () => {
  const sandbox = useQemuSandbox();
  const harness = useKillHarness(sandbox);

  it(
    'qcow2vt: vm states of a running vm, new and overwritten',
    async () => {
      const { ctx, dir } = await statesWorkspace(sandbox);
      const disk = imageTarget({ image_name: 'guest', images_base_dir: 'images' });
      await mkdir(join(dir, 'images'));
      await createBootSectorGuest(imagePath(disk, dir), 16);
      const vm = vmTarget({ mem: '32' }, [disk]);
      const set = (state: string, key: string) =>
        setStates([withParams(vm, { set_state: state })], {
          ...ctx,
          manifestFor: () => killManifest(key),
        });
      const inspect = async (state: string) =>
        (await inspectStates([{ target: vm, state }], ctx))[0];
      await bootVms([vm], ctx);
      try {
        await set('main', 'k0');
        const records = join(dir, 'images', '.guest.qcow2.states', 'vms');
        await mkdir(records, { recursive: true });
        const windows = await harness.measure(
          withParams(vm, { set_state: 'calibrate' }),
          ctx,
          records,
        );
        const tally: KillTally = { beforeChange: 0, incomplete: 0, completed: 0 };
        for (let i = 1; i <= KILL_ITERATIONS; i++) {
          const key = `k${i}`;
          const state = i % 2 === 0 ? `n${i}` : 'main';
          const before = await inspect(state);
          await harness.kill(withParams(vm, { set_state: state }), ctx, key, records, windows, i);
          const seen = await inspect(state);
          harness.expectNothingHalfTrusted(
            seen,
            before?.trust === 'manifest' ? before.manifest?.key : undefined,
            key,
            tally,
          );
          await harness.recoverAll([vm], ctx);
          const after = await inspect(state);
          expect(['manifest', 'missing']).toContain(after?.trust);
          if (after?.trust === 'manifest') {
            // A trusted vm state loads.
            await getStates([withParams(vm, { get_state: state })], ctx);
          }
          await set(state, key);
          expect(await inspect(state)).toMatchObject({ trust: 'manifest', manifest: { key } });
        }
        expect(tally.incomplete).toBeGreaterThan(0);
      } finally {
        await shutdownVms([vm], ctx);
      }
    },
    KILL_TIMEOUT_MS,
  );
});

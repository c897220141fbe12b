import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bootVms, getStates, imagePath, shutdownVms } from '../../../../src/states/index.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { describeKills, setWithKey } from '../../../helpers/states-kill.js';
import { imageTarget, vmTarget, withParams } from '../../../helpers/states-targets.js';

/**
 * SIGKILL at random moments of a qcow2vt set (vm states of a running vm, new and overwritten)
 * in another process: an inspection right after trusts nothing incomplete (QEMU may finish a
 * save job whose client died: the state still lacks its manifest), a trusted vm state loads,
 * and the next operation cleans up and rebuilds it.
 */
describeKills(
  'SIGKILL during qcow2vt set: nothing incomplete is ever trusted',
  'qcow2vt: vm states of a running vm, new and overwritten',
  async ({ harness, workspace: { ctx, dir } }) => {
    const disk = imageTarget({ image_name: 'guest', images_base_dir: 'images' });
    await mkdir(join(dir, 'images'));
    await createBootSectorGuest(imagePath(disk, dir), 16);
    const vm = vmTarget({ mem: '32' }, [disk]);
    await bootVms([vm], ctx);
    try {
      await setWithKey(vm, 'main', 'k0', ctx);
      const recordDir = join(dir, 'images', '.guest.qcow2.states', 'vms');
      await mkdir(recordDir, { recursive: true });
      const windows = await harness.measure(
        withParams(vm, { set_state: 'calibrate' }),
        ctx,
        recordDir,
      );
      await harness.killSets({
        target: vm,
        ctx,
        recordDir,
        windows,
        stateOf: (i) => (i % 2 === 0 ? `n${i}` : 'main'),
        async afterRecovery({ state }, after) {
          // A trusted vm state loads.
          if (after?.trust === 'manifest') {
            await getStates([withParams(vm, { get_state: state })], ctx);
          }
        },
      });
    } finally {
      await shutdownVms([vm], ctx);
    }
  },
);

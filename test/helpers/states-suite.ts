/**
 * A small configs directory for the `verify` and `gc` commands (one vm, one image, qcow2ext
 * states in a pool, a chain install → customize set by nodes), and state targets equal to
 * what the commands derive from it, so tests can make states with the library directly.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageTarget, StateContext, VmTarget } from '../../src/states/index.js';
import { imageTarget, vmTarget } from './states-targets.js';

export const SUITE_OBJECTS = `vms = vm1
images = image1
images_base_dir = images
swarm_pool = pool
image_size = 16M
mem = 32
states_images = qcow2ext
states_vms = qcow2vt
variants:
    - vm1:
        image_name_image1 = vm1
`;

export const SUITE_NODES = `variants:
    - install:
        get_state_images = root
        set_state_images = install
    - customize:
        get_state_images = install
        set_state_images = customize
    - check:
        get_state_images = customize
`;

/** The configs in `dir`, a context working there, and the targets of its objects. */
export async function statesSuite(dir: string): Promise<{
  ctx: StateContext;
  image: ImageTarget;
  vm: VmTarget;
  pool: string;
  active: string;
}> {
  await writeFile(join(dir, 'objects.cfg'), SUITE_OBJECTS);
  await writeFile(join(dir, 'nodes.cfg'), SUITE_NODES);
  const image = imageTarget(
    {
      image_name: 'vm1',
      images_base_dir: 'images',
      swarm_pool: 'pool',
      image_size: '16M',
      states: 'qcow2ext',
    },
    { vm: 'vm1', vmId: 'vm1', image: 'image1' },
  );
  const vm = vmTarget({ mem: '32', states: 'qcow2vt' }, [image], { vm: 'vm1', vmId: 'vm1' });
  return {
    ctx: { cwd: dir, runDir: join(dir, '.cartograph', 'run') },
    image,
    vm,
    pool: join(dir, 'pool', 'vm1', 'image1'),
    active: join(dir, 'images', 'vm1.qcow2'),
  };
}

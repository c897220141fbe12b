/**
 * Builds state targets from plain parameter maps, the way the CLI scopes an object's params,
 * for tests that call `src/states` directly.
 */
import { Params } from '../../src/params/params.js';
import type { ImageTarget, VmTarget } from '../../src/states/index.js';

/** An image target `<vmId>/<image>` with these (already scoped) params. */
export function imageTarget(
  params: Readonly<Record<string, string>>,
  names: { vm?: string; vmId?: string; image?: string } = {},
): ImageTarget {
  const vmName = names.vm ?? 'vm1';
  const vmId = names.vmId ?? vmName;
  const name = names.image ?? 'image1';
  return {
    kind: 'images',
    id: `${vmId}/${name}`,
    name,
    vmId,
    vmName,
    params: new Params(Object.entries(params)),
  };
}

/** A vm target over `images` (which must share its vm id). */
export function vmTarget(
  params: Readonly<Record<string, string>>,
  images: readonly ImageTarget[],
  names: { vm?: string; vmId?: string } = {},
): VmTarget {
  const name = names.vm ?? images[0]?.vmName ?? 'vm1';
  const vmId = names.vmId ?? images[0]?.vmId ?? name;
  return {
    kind: 'vms',
    id: vmId,
    name,
    vmId,
    vmName: name,
    params: new Params(Object.entries(params)),
    images,
  };
}

/** The same target with some params changed (targets are immutable). */
export function withParams<T extends ImageTarget | VmTarget>(
  target: T,
  changes: Readonly<Record<string, string | undefined>>,
): T {
  const map = target.params.toMap();
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) map.delete(k);
    else map.set(k, v);
  }
  return { ...target, params: new Params(map) };
}

/**
 * The image most state tests use: `vm1/disk` of vm variant `vm1-tiny` (16M, under `images/`),
 * external states in `pool/` with `states` (qcow2ext unless changed in `extra`).
 */
export function pooledImage(extra: Readonly<Record<string, string>> = {}): ImageTarget {
  return imageTarget(
    {
      image_name: 'vm1/disk',
      images_base_dir: 'images',
      image_size: '16M',
      swarm_pool: 'pool',
      states: 'qcow2ext',
      ...extra,
    },
    { vm: 'vm1', vmId: 'vm1-tiny' },
  );
}

import { ConfigError } from '../errors.js';
import { loadObjects } from '../graph/load-objects.js';
import { vmTargetOf } from '../scheduler/vm-target-of.js';
import type { ImageTarget, VmTarget } from '../states/index.js';
import type { StateTokens } from './parse-state-tokens.js';

/** The objects of a state command, as state targets, vm by vm. */
export interface StateTargets {
  /** Every vm variant with its images, in config order. */
  readonly vms: readonly VmTarget[];
  /** Every image, in config order. */
  readonly images: readonly ImageTarget[];
  /** Per vm variant its images, then the vm itself (the order get/set/unset work in). */
  readonly all: readonly (ImageTarget | VmTarget)[];
}

/**
 * Loads the objects config with the command's tokens and turns its objects into targets whose
 * params are scoped the avocado-i2n way (`…_images` / `…_vms` and the object's suffixes). A
 * vm without variants (unknown, or filtered away) is a config error rather than silence.
 */
export function stateTargets(file: string, cwd: string, tokens: StateTokens): StateTargets {
  const objects = loadObjects({
    file,
    cwd,
    assignments: tokens.assignments,
    ...(tokens.vms === undefined ? {} : { vms: tokens.vms }),
    only: tokens.only,
    no: tokens.no,
  });
  const vms: VmTarget[] = [];
  const images: ImageTarget[] = [];
  const all: (ImageTarget | VmTarget)[] = [];
  for (const [name, variants] of objects.vms) {
    if (variants.length === 0) {
      throw new ConfigError(
        'CFG_BAD_VALUE',
        `vm "${name}" has no variants in ${file}${tokens.only.has(name) || tokens.no.has(name) ? ' that pass only_/no_ filters' : ''}`,
      );
    }
    for (const vm of variants) {
      const target = vmTargetOf(vm, vm.params);
      vms.push(target);
      images.push(...target.images);
      all.push(...target.images, target);
    }
  }
  return { vms, images, all };
}

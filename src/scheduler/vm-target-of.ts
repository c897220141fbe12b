import { imageStateParams, vmStateParams } from '../graph/scoped-params.js';
import type { VmObject } from '../graph/test-object.js';
import type { Params } from '../params/params.js';
import type { ImageTarget, VmTarget } from '../states/index.js';

/**
 * The state target of a vm object and its images, with `params` (the vm's, or the vm's merged
 * with a node's) scoped to the vm and to each image.
 */
export function vmTargetOf(vm: VmObject, params: Params): VmTarget {
  const images = vm.images.map((image): ImageTarget => ({
    kind: 'images',
    id: image.id,
    name: image.name,
    vmId: vm.id,
    vmName: vm.name,
    params: imageStateParams(params, vm.name, image.name),
  }));
  return {
    kind: 'vms',
    id: vm.id,
    name: vm.name,
    vmId: vm.id,
    vmName: vm.name,
    params: vmStateParams(params, vm.name),
    images,
  };
}

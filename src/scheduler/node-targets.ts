/**
 * A bound node's objects as state targets: each vm variant with its images, the node's params
 * over the objects' and scoped the avocado-i2n way (`get_state_images_vm1` → `get_state`).
 */
import {
  type BoundNode,
  imageStateParams,
  mergeParams,
  type VmObject,
  vmStateParams,
} from '../graph/index.js';
import { type Params, ROOT_STATE_NAMES } from '../params/index.js';
import type { ImageTarget, VmTarget } from '../states/index.js';

export interface NodeTarget {
  readonly vm: VmObject;
  readonly target: VmTarget;
}

export function nodeTargets(node: BoundNode): NodeTarget[] {
  return node.vms.map((vm) => {
    return { vm, target: vmTargetOf(vm, mergeParams(vm.params, node.variant.params)) };
  });
}

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

/** Whether a test runs on clones of its objects, and if not, why not (for `plan --explain`). */
export type CloneVerdict =
  { readonly clones: true } | { readonly clones: false; readonly why: string };

const given = (params: Params, key: string): string => params.get(key)?.trim() ?? '';

/**
 * Whether node `node` runs on throw-away clones of its objects: it is a test (it sets no
 * state) and every object starts from a state that clones for free — a qcow2ext image state
 * (a thin overlay on the pool file) or a ramfile vm state (overlays on its image states and
 * its RAM file). Internal states (qcow2, qcow2vt) live inside the object's own image, and a
 * test that starts from nothing uses the image as it is: such tests use the objects
 * themselves, one at a time (docs/decisions.md says why they are not copied).
 */
export function cloneVerdict(node: BoundNode): CloneVerdict {
  if (node.sets.length > 0) return { clones: false, why: 'it sets states' };
  for (const { target } of nodeTargets(node)) {
    if (given(target.params, 'set_state') !== '') return { clones: false, why: 'it sets states' };
    const vmState = given(target.params, 'get_state');
    if (vmState !== '' && !ROOT_STATE_NAMES.has(vmState)) {
      const backend = given(target.params, 'states') || 'qcow2vt';
      if (backend !== 'ramfile') {
        return {
          clones: false,
          why: `vm state ${vmState} of ${target.id} is ${backend}, inside the vm's images`,
        };
      }
      continue;
    }
    for (const image of target.images) {
      const state = given(image.params, 'get_state');
      if (state === '' || ROOT_STATE_NAMES.has(state)) {
        return { clones: false, why: `${image.id} starts from no state: it uses the image itself` };
      }
      const backend = given(image.params, 'states') || 'qcow2';
      if (backend !== 'qcow2ext') {
        return {
          clones: false,
          why: `state ${state} of ${image.id} is ${backend}, inside the image`,
        };
      }
    }
  }
  return node.vms.length > 0 ? { clones: true } : { clones: false, why: 'it uses no vm' };
}

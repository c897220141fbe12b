/**
 * The parameters a node sees for one object, scoped the way avocado-i2n scopes them: the
 * object's own params with the node's params over them, then narrowed by suffix to the vm
 * (`get_state_images_vm1`), the image (`…_image1`) and the object type (`get_state_images`
 * → `get_state`).
 */
import { Params } from '../params/index.js';
import type { ParamValue } from '../parser/index.js';

/** Keys of a node that describe the node itself and never override an object's. */
const NODE_ONLY = new Set([
  'name',
  'shortname',
  'dep',
  '_name_map_file',
  '_short_name_map_file',
  'vms',
  'images',
  'main_vm',
]);

/** The object's params with the node's params over them. */
export function mergeParams(objectParams: Params, nodeParams: Params | undefined): Params {
  if (nodeParams === undefined) return objectParams;
  const merged = new Map<string, ParamValue>(objectParams.entries());
  for (const [k, v] of nodeParams.entries()) if (!NODE_ONLY.has(k)) merged.set(k, v);
  return new Params(merged);
}

/** Params of vm `vmName` as its `vms` object. */
export function vmStateParams(params: Params, vmName: string): Params {
  const scoped = params.objectParams(vmName).objectParams('vms');
  return withName(scoped, 'vms', vmName);
}

/** Params of image `image` of vm `vmName` as its `images` object. */
export function imageStateParams(params: Params, vmName: string, image: string): Params {
  const scoped = params.objectParams(vmName).objectParams(image).objectParams('images');
  return withName(withName(scoped, 'vms', vmName), 'images', image);
}

function withName(p: Params, key: string, value: string): Params {
  const m = p.toMap();
  m.set(key, value);
  return new Params(m);
}

/**
 * The objects state operations work on, as plain data: `src/states` knows nothing of graphs
 * or config files, so the CLI and the scheduler turn their objects into targets.
 */
import type { Params } from '../params/index.js';

/** A disk image of a vm variant. Its states are "off" states (disk only). */
export interface ImageTarget {
  readonly kind: 'images';
  /** `vm1-fedora/image1`: names the object in messages and results. */
  readonly id: string;
  /** The image's name (`image1`): the pool directory of its external states. */
  readonly name: string;
  /** The vm variant's id (`vm1-fedora`): pool directory and run directory of its vm. */
  readonly vmId: string;
  /** The vm's name (`vm1`). */
  readonly vmName: string;
  /**
   * The image's parameters, already scoped (`get_state_images_vm1` read as `get_state`,
   * `image_name_image1` as `image_name`, `states_images` as `states`).
   */
  readonly params: Params;
}

/** A vm variant. Its states are "on" states: disk and RAM of the running vm. */
export interface VmTarget {
  readonly kind: 'vms';
  /** `vm1-fedora`. */
  readonly id: string;
  /** The vm's name (`vm1`). */
  readonly name: string;
  /** Same as `id` (kept so that every target has a `vmId`). */
  readonly vmId: string;
  readonly vmName: string;
  /** The vm's parameters scoped as a `vms` object (`states_vms` read as `states`). */
  readonly params: Params;
  /** Its images, in attachment order: a vm state lives on every one of them. */
  readonly images: readonly ImageTarget[];
}

/** Anything a state operation can be asked to work on. */
export type StateTarget = ImageTarget | VmTarget;

/** The image targets among `targets`, a vm standing for all its images. */
export function imageTargetsOf(targets: readonly StateTarget[]): ImageTarget[] {
  return targets.flatMap((t) => (t.kind === 'images' ? [t] : t.images));
}

/** {@link imageTargetsOf} with each image once, however many of `targets` name it. */
export function distinctImagesOf(targets: readonly StateTarget[]): ImageTarget[] {
  return [...new Map(imageTargetsOf(targets).map((i) => [i.id, i])).values()];
}

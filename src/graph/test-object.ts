/**
 * Test objects: vms and their disk images, one per variant of a vm. Their ids become
 * directory names in the state pool, so they only use `[A-Za-z0-9_.-]`.
 */
import type { Params } from '../params/index.js';
import type { CtxLabel } from '../parser/index.js';

export interface VmObject {
  readonly kind: 'vms';
  /** The vm's name (`vm1`). */
  readonly name: string;
  /** The variant's short name without the vm (`fedora`), '' for a vm with one variant. */
  readonly variant: string;
  /** Stable id: `vm1-fedora`, or `vm1` when the variant is ''. */
  readonly id: string;
  /** The vm's parameters (the dict of this variant). */
  readonly params: Params;
  /** Labels of the variant's name, for matching `only_vm1` filters. */
  readonly labels: readonly CtxLabel[];
  readonly images: readonly ImageObject[];
}

export interface ImageObject {
  readonly kind: 'images';
  /** The image's name (`image1`). */
  readonly name: string;
  /** `vm1-fedora/image1`. */
  readonly id: string;
  /** The vm the image belongs to. */
  readonly vmId: string;
  readonly vmName: string;
  /** The vm's parameters seen from the image (`objectParams(image)`). */
  readonly params: Params;
}

export type TestObject = VmObject | ImageObject;

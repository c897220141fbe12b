/** A state of one object variant: what a node gets or sets. */
export interface StateRef {
  /** `vms` (a vm state: disk and RAM of the running vm) or `images` (a disk state). */
  readonly type: 'vms' | 'images';
  /** Object id: `vm1-fedora` or `vm1-fedora/image1`. */
  readonly objectId: string;
  readonly state: string;
}

/** Root states are made by the backends (create the image, boot the vm), not by nodes. */
export const ROOT_STATES: ReadonlySet<string> = new Set(['root', '0root', 'boot', '0boot']);

export function stateRefKey(ref: StateRef): string {
  return `${ref.type}:${ref.objectId}:${ref.state}`;
}

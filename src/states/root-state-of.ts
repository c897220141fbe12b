import { StateError } from '../errors.js';
import type { StateTarget } from './state-target.js';

/**
 * The root state of a target: `root` (the image exists) for images, `boot` (the vm runs) for
 * vms. `state`, when given, is a root name asked for by params: `root`/`0root` belong to
 * images and `boot`/`0boot` to vms, and asking one kind for the other's is `STATE_BAD_NAME`.
 */
export function rootStateOf(target: StateTarget, state?: string): 'root' | 'boot' {
  const root = target.kind === 'images' ? 'root' : 'boot';
  if (state !== undefined && state !== root && state !== `0${root}`) {
    throw new StateError(
      'STATE_BAD_NAME',
      `${target.id}: "${state}" is the root of ${target.kind === 'images' ? 'vms' : 'images'}; the root of ${target.kind} is "${root}"`,
    );
  }
  return root;
}

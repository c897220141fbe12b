import type { ImageTarget, StateTarget } from './state-target.js';

/** The image targets among `targets`, a vm standing for all its images. */
export function imageTargetsOf(targets: readonly StateTarget[]): ImageTarget[] {
  return targets.flatMap((t) => (t.kind === 'images' ? [t] : t.images));
}

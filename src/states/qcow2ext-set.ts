import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { imageInfo } from '../qemu/index.js';
import { backingOf } from './backing-of.js';
import { commitIntoState } from './commit-into-state.js';
import { describeBacking } from './describe-backing.js';
import { pathExists } from './path-exists.js';
import { poolDir } from './pool-dir.js';
import { publishActive } from './publish-active.js';
import { readPool } from './read-pool.js';
import type { BeginWrite } from './begin-write.js';
import type { ResolvedContext } from './resolved-context.js';
import { stateImagePath } from './state-image-path.js';
import type { ImageTarget } from './state-target.js';

/**
 * qcow2ext `set`. A new state is the active image itself, moved into the pool (no copy).
 * Overwriting an existing state follows the reference's two safe cases: the image was built on
 * that state (its changes are committed into it) or on the same state as it (a sibling: it is
 * replaced). Either way no other state may be built on the one overwritten, since their
 * content is relative to it. Anything else is refused (`STATE_REFUSED`), saying why.
 */
export async function qcow2extSet(
  target: ImageTarget,
  state: string,
  overwrite: boolean,
  ctx: ResolvedContext,
  begin: BeginWrite,
): Promise<string> {
  const active = stateImagePath(target, ctx.cwd);
  if (!(await pathExists(active))) {
    throw new StateError(
      'STATE_MISSING',
      `${target.id}: image ${active} does not exist, so there is nothing to save as "${state}"`,
    );
  }
  const dir = poolDir(target, ctx.cwd);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${state}.qcow2`);
  const moved =
    'saved the image into the pool (moved, not copied); the image is now an empty overlay on it';
  if (!(await pathExists(file))) {
    await begin();
    const copied = await publishActive(active, file, false, ctx);
    return copied ? moved.replace('moved, not copied', 'copied across filesystems') : moved;
  }
  if (!overwrite) {
    throw new StateError('STATE_REFUSED', `${target.id}: state "${state}" exists already`);
  }
  const refuse = (why: string): never => {
    throw new StateError(
      'STATE_REFUSED',
      `${target.id}: cannot overwrite state "${state}": ${why}`,
    );
  };
  const pool = await readPool(dir, ctx);
  const existing = pool.find((s) => s.name === state);
  const activeBacking = backingOf(active, await imageInfo(active, ctx.qemu));
  const children = pool.filter((s) => s.backing === file).map((s) => `"${s.name}"`);
  if (children.length > 0) {
    refuse(
      `the states ${children.join(', ')} are built on it and would no longer be what they were saved as; unset them first`,
    );
  }
  if (activeBacking === file) {
    await begin();
    await commitIntoState(active, file, ctx);
    return 'committed the changes into the state the image was built on';
  }
  if (existing !== undefined && existing.backing === activeBacking) {
    await begin();
    await publishActive(active, file, true, ctx);
    return `replaced the sibling state (both built on ${describeBacking(dir, activeBacking)})`;
  }
  return refuse(
    `it is built on ${describeBacking(dir, existing?.backing)} and the image on ` +
      `${describeBacking(dir, activeBacking)}; overwriting is only safe for the state the image ` +
      'was built on (commit) or a sibling built on the same state (replace)',
  );
}

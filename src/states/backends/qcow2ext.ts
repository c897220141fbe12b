/**
 * The `qcow2ext` backend: image states as external overlay files in the pool, with the set
 * (publish the active image as a state, or commit into it) and unset (remove, or merge into
 * the dependants) operations.
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StateError } from '../../errors.js';
import { imageInfo, rebaseImage } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import type { ResolvedContext } from '../ops/index.js';
import {
  backingOf,
  dependentsOf,
  imageFormatOf,
  imagePath,
  listPool,
  poolDir,
  readPool,
  stateImagePath,
} from '../pool/index.js';
import type { ImageTarget } from '../target.js';
import type { BeginWrite, StateBackend } from './backend.js';
import { createImageRoot, imageRootExists, removeImageRoot } from './image-roots.js';
import { commitIntoState, popIntoActive, publishActive, recreateActive } from './overlays.js';

/**
 * Image states as external qcow2 files in a pool, `<swarm_pool>/<vm id>/<image>/<state>.qcow2`,
 * forming backing chains: a state's backing file is the state it was built on. The active
 * image is an overlay on the state it was last got from (or saved as). Backing links between
 * states in one pool directory are stored as bare file names (a pool can be moved or synced as
 * a whole); the active image refers to its state by absolute path.
 */
export const qcow2extBackend: StateBackend<ImageTarget> = {
  name: 'qcow2ext',
  kind: 'images',

  show: (target, ctx) => listPool(poolDir(target, ctx.cwd)),

  exists: (target, state, ctx) => pathExists(join(poolDir(target, ctx.cwd), `${state}.qcow2`)),

  async get(target, state, ctx) {
    const file = join(poolDir(target, ctx.cwd), `${state}.qcow2`);
    await recreateActive(stateImagePath(target, ctx.cwd), file, ctx);
    return 'the image is now an empty overlay on the state';
  },

  set: qcow2extSet,
  unset: qcow2extUnset,
  checkRoot: imageRootExists,
  getRoot: () => Promise.resolve(),
  setRoot: createImageRoot,
  unsetRoot: removeImageRoot,
};

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

/**
 * qcow2ext `unset`. A state other states are built on is removed only with
 * `unset_dependents = yes`, and then together with all of them (the result names them). When
 * the active image is built on a removed state, its content is kept: committed back into it
 * when it sits directly on the state (as cheap as the move that saved it), else by a safe
 * rebase onto the nearest state that stays.
 */
export async function qcow2extUnset(
  target: ImageTarget,
  state: string,
  ctx: ResolvedContext,
  begin: BeginWrite,
): Promise<string | undefined> {
  const dir = poolDir(target, ctx.cwd);
  const file = join(dir, `${state}.qcow2`);
  const pool = await readPool(dir, ctx);
  const self = pool.find((s) => s.file === file);
  const dependents = dependentsOf(pool, file);
  const names = dependents.map((s) => `"${s.name}"`).join(', ');
  if (dependents.length > 0 && !target.params.getBoolean('unset_dependents', false)) {
    throw new StateError(
      'STATE_REFUSED',
      `${target.id}: cannot unset state "${state}": the states ${names} are built on it`,
      { hint: 'unset them first, or set unset_dependents = yes to remove them with it' },
    );
  }
  await begin({ dependents: dependents.map((s) => s.name) });
  const removed = new Set([file, ...dependents.map((s) => s.file)]);
  const details: string[] = [];
  let gone = false;

  const active = imagePath(target, ctx.cwd);
  if (imageFormatOf(target) === 'qcow2' && (await pathExists(active))) {
    const activeBacking = backingOf(active, await imageInfo(active, ctx.qemu));
    const chain: string[] = [];
    for (let b = activeBacking; b !== undefined && !chain.includes(b);) {
      chain.push(b);
      b = pool.find((s) => s.file === b)?.backing;
    }
    if (chain.some((f) => removed.has(f))) {
      if (activeBacking === file && dependents.length === 0) {
        await popIntoActive(active, file, ctx);
        gone = true;
        details.push('its content stays in the image (committed back)');
      } else {
        const onto = self?.backing ?? null;
        await rebaseImage(active, { ...ctx.qemu, backingFile: onto });
        ctx.emit({
          type: 'image-rebased',
          target: target.id,
          image: active,
          onto,
          reason: `it was built on state "${state}", which is being removed`,
        });
        details.push(
          `the image was rebased onto ${describeBacking(dir, onto ?? undefined)} to keep its content`,
        );
      }
    }
  }
  for (const s of dependents) await rm(s.file, { force: true });
  if (!gone) await rm(file, { force: true });
  if (dependents.length > 0) {
    ctx.emit({
      type: 'states-removed',
      target: target.id,
      state,
      dependents: dependents.map((s) => s.name),
    });
    details.unshift(`also removed the states built on it: ${names}`);
  }
  return details.length === 0 ? undefined : details.join('; ');
}

/** A backing file for messages: `state "x"` inside the pool directory, else its path. */
export function describeBacking(dir: string, backing: string | undefined): string {
  if (backing === undefined) return 'nothing (it stands alone)';
  if (dirname(backing) === dir && backing.endsWith('.qcow2')) {
    return `state "${basename(backing).slice(0, -'.qcow2'.length)}"`;
  }
  return backing;
}

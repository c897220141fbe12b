import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { imageInfo, rebaseImage } from '../qemu/index.js';
import { backingOf } from './backing-of.js';
import { dependentsOf } from './dependents-of.js';
import { describeBacking } from './describe-backing.js';
import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import { pathExists } from './path-exists.js';
import { poolDir } from './pool-dir.js';
import { popIntoActive } from './pop-into-active.js';
import { readPool } from './read-pool.js';
import type { BeginWrite } from './begin-write.js';
import type { ResolvedContext } from './resolved-context.js';
import type { ImageTarget } from './state-target.js';

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

/**
 * The file moves of `qcow2ext`: the active image becomes a state file in the pool, a state is
 * committed into, or moves back to be the active image, each with the active image rebuilt as
 * an overlay on top, in an order that recovery can always finish or undo.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { StateError } from '../../errors.js';
import { commitImage, createImage, imageInfo, rebaseImage } from '../../qemu/index.js';
import { moveFile, tempPath } from '../../shared/index.js';
import type { ResolvedContext } from '../ops/index.js';
import { backingOf } from '../pool/index.js';

/**
 * How a file in directory `dir` should store the backing file `backing` (absolute): by its
 * bare name when both are in the same directory (a pool then stays valid when moved or copied
 * as a whole), else by its absolute path (an active image outside the pool, a base image
 * elsewhere).
 */
export function backingNameFor(dir: string, backing: string): string {
  return dirname(backing) === dir ? basename(backing) : backing;
}

/**
 * Replaces the active image by a new empty qcow2 overlay on `stateFile` (stored by its
 * absolute path: the active image lives outside the pool). The overlay is made under a
 * temporary name and renamed over the old image, so the active image is never half-made.
 */
export async function recreateActive(
  active: string,
  stateFile: string,
  ctx: ResolvedContext,
): Promise<void> {
  await mkdir(dirname(active), { recursive: true });
  const temp = tempPath(dirname(active), basename(active));
  try {
    await createImage(temp, { ...ctx.qemu, backingFile: stateFile, backingFormat: 'qcow2' });
    await rename(temp, active);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Overwrites `stateFile` with the content of the active image built directly on it: the
 * active image's changes are committed into a copy of the state (a reflink where the
 * filesystem can), which then replaces the state in one rename, and the active image becomes
 * an empty overlay on the new state. Committing into the state itself would be cheaper, but an
 * interrupted commit would leave a half-written state that a later run trusts.
 *
 * At every moment the active image's content stays readable: on the old state, or on the copy
 * (`.<state>.qcow2.<pid>.<hex>.tmp` in the pool) once rebased onto it. A process that dies on
 * the way leaves the state's marker, and the next operation repairs from there
 * (`recoverQcow2ext`); a failure after the commit is left for that repair too, since the
 * changes are in the copy by then and putting the old backing file back would lose them.
 */
export async function commitIntoState(
  active: string,
  stateFile: string,
  ctx: ResolvedContext,
): Promise<void> {
  const temp = tempPath(dirname(stateFile), basename(stateFile));
  await copyFile(stateFile, temp, constants.COPYFILE_FICLONE);
  let committed = false;
  try {
    await rebaseImage(active, { ...ctx.qemu, backingFile: temp, unsafe: true });
    await commitImage(active, ctx.qemu);
    committed = true;
    await rename(temp, stateFile);
  } catch (error) {
    if (!committed) {
      await rebaseImage(active, { ...ctx.qemu, backingFile: stateFile, unsafe: true }).catch(
        () => undefined,
      );
      await rm(temp, { force: true });
    }
    throw error;
  }
  await recreateActive(active, stateFile, ctx);
}

/**
 * Saves the active image as the pool file `stateFile` without copying its data: the image is
 * moved into the pool under a temporary name (a rename; a copy only across filesystems), its
 * backing link rewritten for its new place (same-directory names stay bare), and published
 * under the state's name with one atomic step (`link`, which never replaces a state that
 * appeared meanwhile, or `rename` over the old state when `replace`). The active image then
 * becomes an empty overlay on the new state, so the state is a link of a chain: its backing
 * file is the state it was built on. Resolves with whether data had to be copied.
 */
export async function publishActive(
  active: string,
  stateFile: string,
  replace: boolean,
  ctx: ResolvedContext,
): Promise<boolean> {
  const dir = dirname(stateFile);
  const info = await imageInfo(active, ctx.qemu);
  const backing = backingOf(active, info);
  const temp = tempPath(dir, basename(stateFile));
  const copied = await moveFile(active, temp);
  let relinked = false;
  try {
    if (backing !== undefined && backingNameFor(dir, backing) !== info.backingFilename) {
      await rebaseImage(temp, {
        ...ctx.qemu,
        backingFile: backingNameFor(dir, backing),
        unsafe: true,
      });
      relinked = true;
    }
    if (replace) {
      await rename(temp, stateFile);
    } else {
      try {
        await link(temp, stateFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        throw new StateError('STATE_REFUSED', `${stateFile} appeared while it was being saved`);
      }
      await rm(temp);
    }
  } catch (error) {
    // Put the active image back as it was; the state was not published.
    if (relinked && backing !== undefined) {
      await rebaseImage(temp, { ...ctx.qemu, backingFile: backing, unsafe: true }).catch(
        () => undefined,
      );
    }
    await moveFile(temp, active).catch(() => undefined);
    throw error;
  }
  await recreateActive(active, stateFile, ctx);
  return copied;
}

/**
 * Removes `stateFile`, which the active image is built on directly and nothing else is, while
 * keeping the active image's content: the state leaves the pool under a temporary name (it is
 * gone in one rename), the active image's changes are committed into it, and it replaces the
 * active image. The inverse of saving a state by moving the image into the pool, and as cheap.
 */
export async function popIntoActive(
  active: string,
  stateFile: string,
  ctx: ResolvedContext,
): Promise<void> {
  const dir = dirname(stateFile);
  const temp = tempPath(dir, basename(stateFile));
  await rename(stateFile, temp);
  let committed = false;
  try {
    await rebaseImage(active, { ...ctx.qemu, backingFile: temp, unsafe: true });
    await commitImage(active, ctx.qemu);
    committed = true;
    // It leaves the pool: a backing name relative to the pool must become absolute.
    const info = await imageInfo(temp, ctx.qemu);
    const name = info.backingFilename;
    if (name !== undefined && name !== '' && !isAbsolute(name)) {
      await rebaseImage(temp, { ...ctx.qemu, backingFile: resolve(dir, name), unsafe: true });
    }
    await moveFile(temp, active);
  } catch (error) {
    if (committed) {
      throw new StateError(
        'STATE_CORRUPT',
        `removing ${stateFile} failed half-way; the image's content is in ${temp}`,
        { cause: error, hint: `move ${temp} to ${active} by hand` },
      );
    }
    await rename(temp, stateFile).catch(() => undefined);
    await rebaseImage(active, { ...ctx.qemu, backingFile: stateFile, unsafe: true }).catch(
      () => undefined,
    );
    throw error;
  }
}

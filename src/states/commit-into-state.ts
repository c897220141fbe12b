import { constants } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { commitImage, rebaseImage } from '../qemu/index.js';
import { recreateActive } from './recreate-active.js';
import type { ResolvedContext } from './resolved-context.js';
import { tempPath } from './temp-path.js';

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

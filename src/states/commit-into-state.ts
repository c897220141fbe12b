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
 */
export async function commitIntoState(
  active: string,
  stateFile: string,
  ctx: ResolvedContext,
): Promise<void> {
  const temp = tempPath(dirname(stateFile), basename(stateFile));
  await copyFile(stateFile, temp, constants.COPYFILE_FICLONE);
  try {
    await rebaseImage(active, { ...ctx.qemu, backingFile: temp, unsafe: true });
    await commitImage(active, ctx.qemu);
    await rename(temp, stateFile);
  } catch (error) {
    await rm(temp, { force: true });
    await rebaseImage(active, { ...ctx.qemu, backingFile: stateFile, unsafe: true }).catch(
      () => undefined,
    );
    throw error;
  }
  await recreateActive(active, stateFile, ctx);
}

/**
 * Recovering an interrupted `qcow2ext` operation: putting a moved active image back,
 * undoing or finishing a pop, and discarding the half-made state with its temporaries.
 */
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { StateError } from '../../errors.js';
import { Params } from '../../params/index.js';
import { commitImage, imageInfo, isProcessAlive, rebaseImage } from '../../qemu/index.js';
import {
  moveFile,
  pathExists,
  readDirOrEmpty,
  removeFiles,
  sameFile,
  tempWriterPid,
} from '../../shared/index.js';
import { qcow2extUnset } from '../backends/index.js';
import type { ResolvedContext } from '../ops/index.js';
import { backingOf, imagePath, poolDir } from '../pool/index.js';
import { type StateMarker, stateRecord } from '../records/index.js';
import type { ImageTarget } from '../target.js';
import type { Recovery } from './guarded-write.js';

/**
 * Whether files a process named by pid left behind may be cleaned up: it is this process
 * (which holds the locks that make it the only writer) or a process that is gone. Files of
 * another live process are never touched.
 */
export function isAbandonedPid(pid: number): boolean {
  return pid === process.pid || !isProcessAlive(pid);
}

/**
 * Moves a file of a pool directory to `to` outside it (the active image): a backing link
 * relative to the pool (a bare state name) is made absolute first, since it would no longer
 * resolve from the new place. A rename where possible (no data copied).
 */
export async function moveOutOfPool(file: string, to: string, ctx: ResolvedContext): Promise<void> {
  const name = (await imageInfo(file, ctx.qemu)).backingFilename;
  if (name !== undefined && name !== '' && !isAbsolute(name) && dirname(to) !== dirname(file)) {
    await rebaseImage(file, {
      ...ctx.qemu,
      backingFile: resolve(dirname(file), name),
      unsafe: true,
    });
  }
  await moveFile(file, to);
}

function isAbandonedCopy(match: RegExpExecArray | null): boolean {
  return match !== null && isAbandonedPid(Number(match[1]));
}

/**
 * Deals with a qcow2ext state whose set or unset was interrupted (its marker is there), under
 * the object's locks. First the files are put back into a consistent shape, whatever step the
 * dead process reached (the steps are in `publishActive`, `commitIntoState`, `popIntoActive`):
 *
 * - the active image is missing: `publishActive` had moved it into the pool and not yet made
 *   its overlay; its content is the pool temporary (or, once published, the state file), and
 *   goes back to the image path;
 * - the active image is built on a pool temporary of the state: `commitIntoState` was
 *   committing into a copy of the state (the copy becomes the state file again), or
 *   `popIntoActive` had moved the state out of the pool (the pop is finished: the image
 *   takes its content);
 * - the active image is built on the state, which is missing, while a temporary of it exists:
 *   `popIntoActive` had renamed it and not yet rebased the image (the rename is undone).
 *
 * Then the state is discarded the way `unset` removes one (an image built on it keeps its
 * content) together with the dependents an interrupted unset was removing, and the manifests,
 * the temporaries of the dead writer and the marker go. The active image's content is never
 * lost; the state itself is not kept, since nothing proves it complete. A state that other
 * states are built on (only possible when someone built on it by hand) is left as it is.
 */
export async function recoverQcow2ext(
  image: ImageTarget,
  marker: StateMarker,
  ctx: ResolvedContext,
): Promise<Recovery> {
  const state = marker.state;
  const dir = poolDir(image, ctx.cwd);
  const file = join(dir, `${state}.qcow2`);
  const active = imagePath(image, ctx.cwd);
  const record = stateRecord(dir, state);
  const name = basename(file);
  const entries = await readDirOrEmpty(dir);
  const abandoned = (entry: string, of: string): boolean => {
    const pid = tempWriterPid(entry, of);
    return pid !== undefined && isAbandonedPid(pid);
  };
  let temps = entries.filter((e) => abandoned(e, name)).map((e) => join(dir, e));
  const isTemp = (path: string): boolean =>
    dirname(path) === dir && abandoned(basename(path), name);
  const notes: string[] = [];
  const outcome = (done: boolean, detail: string): Recovery => ({
    target: image.id,
    kind: 'images',
    state,
    backend: 'qcow2ext',
    op: marker.op,
    done,
    detail,
  });

  if (!(await pathExists(active)) && marker.op === 'set') {
    let content = temps[0];
    if (content !== undefined && (await sameFile(content, file))) await rm(file);
    if (content === undefined && (await pathExists(file))) content = file;
    // Neither: the image was removed since (by hand); there is nothing of it to put back.
    if (content !== undefined) {
      await moveOutOfPool(content, active, ctx);
      temps = temps.filter((t) => t !== content);
      notes.push('put the image back in place (it had been moved into the pool)');
    }
  }

  if (await pathExists(active)) {
    const backing = backingOf(active, await imageInfo(active, { ...ctx.qemu, forceShare: true }));
    if (backing !== undefined && isTemp(backing)) {
      temps = temps.filter((t) => t !== backing);
      if (marker.op === 'unset') {
        // The state had left the pool to become the image: finish that.
        await commitImage(active, ctx.qemu);
        await moveOutOfPool(backing, active, ctx);
        notes.push('finished removing it (its content stays in the image)');
      } else {
        // A commit into a copy of the state: the copy takes the state's name again.
        if (await pathExists(backing)) await rename(backing, file);
        await rebaseImage(active, { ...ctx.qemu, backingFile: file, unsafe: true });
        notes.push('took back the copy it was committing the image into');
      }
    } else if (backing === file && !(await pathExists(file)) && temps[0] !== undefined) {
      // The state had been renamed away, the image not yet rebased: undo the rename.
      await rename(temps[0], file);
      temps = temps.slice(1);
    }
  }
  for (const temp of temps) {
    // A temporary that was published is the state file too: only the extra name goes.
    await rm(temp, { force: true });
  }

  const dependents = marker.op === 'unset' ? [...(marker.dependents ?? [])] : [];
  if (await pathExists(file)) {
    const target: ImageTarget = {
      ...image,
      params: new Params([
        ...image.params.entries(),
        ['unset_dependents', dependents.length > 0 ? 'yes' : 'no'],
      ]),
    };
    try {
      const detail = await qcow2extUnset(target, state, ctx, () => Promise.resolve());
      notes.push(detail === undefined ? 'discarded it' : `discarded it (${detail})`);
    } catch (error) {
      if (!(error instanceof StateError) || error.code !== 'STATE_REFUSED') throw error;
      return outcome(false, `left as it is: ${error.message}`);
    }
  } else {
    // Nothing to discard; dependents an unset was removing are broken without it.
    await removeFiles(dependents.map((d) => join(dir, `${d}.qcow2`)));
  }
  const copies = new RegExp(
    `^\\.\\.${name.replaceAll('.', '\\.')}\\.\\d+\\.[0-9a-f]+\\.tmp\\.(\\d+)\\.`,
  );
  await removeFiles([
    record.manifest,
    ...dependents.map((d) => stateRecord(dir, d).manifest),
    // Half-written records of the dead writer, and its partial copies across filesystems.
    ...entries
      .filter(
        (e) =>
          abandoned(e, `${state}.json`) ||
          abandoned(e, `.${state}.writing`) ||
          isAbandonedCopy(copies.exec(e)),
      )
      .map((e) => join(dir, e)),
    ...(await readDirOrEmpty(dirname(active)))
      .filter((e) => abandoned(e, basename(active)))
      .map((e) => join(dirname(active), e)),
  ]);
  await rm(record.marker, { force: true });
  return outcome(
    true,
    `an interrupted ${marker.op} of pid ${marker.pid}: ${notes.length === 0 ? 'nothing was left to undo' : notes.join('; ')}`,
  );
}

import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StateError } from '../errors.js';
import type { ResolvedContext } from './resolved-context.js';
import { vmRunDir } from './vm-run-dir.js';

/**
 * The run directory a vm will be started in. For a short fallback directory (the wanted one is
 * too long for a QMP socket) its parent under the shared temp directory must be ours and
 * private, the choice is recorded in `<runDir>/<vm id>.run-dir`, and an event says so.
 */
export async function prepareRunDir(vmId: string, ctx: ResolvedContext): Promise<string> {
  const where = vmRunDir(ctx.runDir, vmId);
  await mkdir(ctx.runDir, { recursive: true });
  if (!where.fallback) return where.dir;
  const parent = dirname(where.dir);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const stat = await lstat(parent);
  const uid = process.getuid?.();
  // A directory someone else made in /tmp could be used to swap our socket or pid file.
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new StateError(
      'STATE_REFUSED',
      `${parent} (for the run directory of ${vmId}) is not a private directory of this user`,
      { hint: 'remove it, or use a shorter run directory' },
    );
  }
  await writeFile(join(ctx.runDir, `${vmId}.run-dir`), `${where.dir}\n`);
  ctx.emit({ type: 'run-dir-fallback', target: vmId, wanted: where.wanted, used: where.dir });
  return where.dir;
}

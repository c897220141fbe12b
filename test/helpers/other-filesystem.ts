/**
 * A writable directory on another filesystem than `than`, for tests of moves that cross
 * filesystems (`rename` fails with EXDEV there). Machines differ in which one they have:
 * `/dev/shm` is a tmpfs on most Linux machines, some containers lack it, and there the
 * checkout or `/run` may be elsewhere. `undefined` when every candidate shares `than`'s device.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function otherFilesystem(than: string): string | undefined {
  const device = statSync(than).dev;
  const cache = join(process.cwd(), 'node_modules', '.cache');
  for (const dir of ['/dev/shm', '/run', '/var/tmp', cache, homedir()]) {
    try {
      if (dir === cache) mkdirSync(cache, { recursive: true });
      accessSync(dir, constants.W_OK);
      if (statSync(dir).dev !== device) return dir;
    } catch {
      // Missing or read-only here: try the next one.
    }
  }
  return undefined;
}

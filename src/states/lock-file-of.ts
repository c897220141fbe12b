import { basename, dirname, join } from 'node:path';
import { CartographError } from '../errors.js';

/** The lock file of an in-process lock key, and what it protects (for messages). */
export interface LockFile {
  readonly file: string;
  readonly what: string;
}

/**
 * Where the cross-process lock of a lock key (`lockKeys`) lives: an image's next to it
 * (`.<image file>.lock`), a pool directory's inside it (`.pool.lock`), a vm's in the run
 * directory beside the vm's own directory (`<vm id>.lock`, where every process looks for the
 * vm). Files next to what they protect serve every process that works on it, whatever its
 * run directory or working directory.
 */
export function lockFileOf(key: string, runDir: string): LockFile {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const value = key.slice(colon + 1);
  switch (kind) {
    case 'image':
      return { file: join(dirname(value), `.${basename(value)}.lock`), what: `image ${value}` };
    case 'pool':
      return { file: join(value, '.pool.lock'), what: `pool ${value}` };
    case 'vm':
      return { file: join(runDir, `${value}.lock`), what: `vm ${value}` };
    default:
      throw new CartographError('INTERNAL', `unknown lock key ${key}`);
  }
}

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * A fresh temporary file name in `dir` for `name`: hidden (leading `.`) and ending in `.tmp`,
 * so it is never taken for a state (state files end in `.qcow2`) or an image, and a rename
 * into place publishes the finished file atomically.
 */
export function tempPath(dir: string, name: string): string {
  return join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

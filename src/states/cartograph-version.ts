import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

/**
 * The version of the running cartograph, recorded in manifests: read from the nearest
 * `package.json` named "cartograph" above this module (the same for `src/`, `dist/` and the
 * CLI bundle), `unknown` if there is none.
 */
export function cartographVersion(): string {
  if (version !== undefined) return version;
  version = 'unknown';
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'cartograph' && typeof pkg.version === 'string') {
        version = pkg.version;
        break;
      }
    } catch {
      // No package.json here: look further up.
    }
  }
  return version;
}

import { basename, dirname } from 'node:path';

/**
 * How a file in directory `dir` should store the backing file `backing` (absolute): by its
 * bare name when both are in the same directory (a pool then stays valid when moved or copied
 * as a whole), else by its absolute path (an active image outside the pool, a base image
 * elsewhere).
 */
export function backingNameFor(dir: string, backing: string): string {
  return dirname(backing) === dir ? basename(backing) : backing;
}

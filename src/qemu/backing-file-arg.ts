import { isAbsolute } from 'node:path';

/**
 * A backing file name as qemu-img should store it. Relative names stay relative (QEMU resolves
 * them against the overlay's directory, so a pool can move as a whole), but a first component
 * with a `:` gets `./` in front: QEMU would otherwise read `name:` as a protocol prefix.
 */
export function backingFileArg(path: string): string {
  if (isAbsolute(path) || path.startsWith('./') || path.startsWith('../')) return path;
  const first = path.split('/', 1)[0] ?? '';
  return first.includes(':') ? `./${path}` : path;
}

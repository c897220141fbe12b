import { isStateName } from './is-state-name.js';
import { readDirOrEmpty } from './read-dir-or-empty.js';

/**
 * The valid state names that `pattern` captures (group 1) from the entries of `dir`, sorted;
 * none if the directory is missing.
 */
export async function stateNamesIn(dir: string, pattern: RegExp): Promise<string[]> {
  return (await readDirOrEmpty(dir))
    .map((e) => pattern.exec(e)?.[1])
    .filter((s): s is string => s !== undefined && isStateName(s))
    .sort();
}

import { stateNamesIn } from './state-names-in.js';

/** The states that have an in-progress marker in a record directory (none if it is missing). */
export function findMarkers(dir: string): Promise<string[]> {
  return stateNamesIn(dir, /^\.(.+)\.writing$/);
}

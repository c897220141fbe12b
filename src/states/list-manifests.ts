import { stateNamesIn } from './state-names-in.js';

/** The states that have a manifest file in a record directory (none if it is missing). */
export function listManifests(dir: string): Promise<string[]> {
  return stateNamesIn(dir, /^(.+)\.json$/);
}

/**
 * Problems of a suite, reported together: the load-time check finds them all before anything
 * runs, and the user fixes them in one go rather than one per try.
 */
import { type CartographError, ConfigProblems } from '../../errors.js';

/** What to throw for the problems found (at least one): the one as it is, several together. */
export function problemsError(problems: readonly CartographError[]): CartographError {
  const [first] = problems;
  if (first !== undefined && problems.length === 1) return first;
  return new ConfigProblems(problems);
}

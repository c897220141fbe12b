/** cli/suite-check: the public face of this folder (re-exports only). */
export {
  checkObjects,
  checkSuite,
  distinctProblems,
  type SuiteCheckOptions,
  type SuiteToCheck,
} from './check-suite.js';
export { checkTarget, type Finding } from './target-checks.js';
export { problemsError } from './suite-problems.js';

/** report: the public face of this folder (re-exports only). */
export { formatDiagnostic, diagnosticJson } from './format-diagnostic.js';
export { junitReport } from './junit-report.js';
export { plainRunReporter } from './plain-run-reporter.js';
export { ttyRunReporter } from './tty-run-reporter.js';

/**
 * A run as JUnit XML for CI systems: one test case per node; failed nodes carry a failure,
 * blocked and skipped ones are skipped, reused setup nodes pass with zero time.
 */
import type { RunReport } from '../scheduler/index.js';

const esc = (s: string): string =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    // XML 1.0 cannot carry most control characters, even escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');

export function junitReport(report: RunReport, suiteName = 'cartograph'): string {
  const s = report.summary;
  const time = report.nodes.reduce((t, n) => t + n.duration_ms, 0) / 1000;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${report.nodes.length}" failures="${s.failed}" skipped="${s.blocked + s.skipped}" time="${time.toFixed(3)}">`,
    `  <testsuite name="${esc(suiteName)}" tests="${report.nodes.length}" failures="${s.failed}" skipped="${s.blocked + s.skipped}" time="${time.toFixed(3)}">`,
  ];
  for (const n of report.nodes) {
    const head = `    <testcase classname="${esc(suiteName)}" name="${esc(n.name)}" time="${(n.duration_ms / 1000).toFixed(3)}"`;
    const why = esc(n.reason ?? '');
    switch (n.status) {
      case 'passed':
      case 'reused':
        lines.push(
          `${head}>`,
          `      <system-out>${esc(n.status)}${n.log === null ? '' : ` (log: ${esc(n.log)})`}</system-out>`,
          '    </testcase>',
        );
        break;
      case 'failed':
        lines.push(
          `${head}>`,
          `      <failure message="${why}">${why}${n.log === null ? '' : `\nlog: ${esc(n.log)}`}</failure>`,
          '    </testcase>',
        );
        break;
      case 'blocked':
      case 'skipped':
        lines.push(
          `${head}>`,
          `      <skipped message="${esc(n.status)}: ${why}"/>`,
          '    </testcase>',
        );
        break;
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

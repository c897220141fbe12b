/**
 * One plain line per run event, for CI logs and pipes (no colours, no cursor movement).
 */
import type { NodeResult, RunEvent, RunReport } from '../scheduler/index.js';

export function plainRunReporter(write: (text: string) => void): (event: RunEvent) => void {
  const started = Date.now();
  return (event) => {
    switch (event.type) {
      case 'run-start':
        write(`cartograph: ${event.nodes.length} nodes, ${event.toRun} to run\n`);
        return;
      case 'node-waiting':
        return;
      case 'node-waiting-memory':
        write(
          `wait    ${event.node}: for ${event.memoryMiB} MiB of guest RAM (${event.inUseMiB} MiB in use)\n`,
        );
        return;
      case 'node-start':
        write(`start   ${event.node}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}\n`);
        return;
      case 'node-step':
        write(`        ${event.node}: ${event.step}\n`);
        return;
      case 'node-retry':
        write(`retry   ${event.node}: attempt ${event.attempt} failed: ${event.error}\n`);
        return;
      case 'node-end':
        write(resultLine(event.result));
        return;
      case 'run-end':
        write(summaryLine(event.report, Date.now() - started));
        return;
    }
  };
}

export function resultLine(r: NodeResult): string {
  const time =
    r.status === 'passed' || r.status === 'failed'
      ? `  ${(r.duration_ms / 1000).toFixed(2)} s`
      : '';
  const why =
    r.reason === undefined || r.status === 'passed'
      ? ''
      : r.status === 'failed'
        ? `: ${r.reason}`
        : `  (${r.reason})`;
  return `${r.status.padEnd(7)} ${r.name}${time}${why}\n`;
}

export function summaryLine(report: RunReport, ms: number): string {
  const s = report.summary;
  return (
    `done: ${s.passed} passed, ${s.failed} failed, ${s.blocked} blocked, ${s.reused} reused, ` +
    `${s.skipped} skipped in ${(ms / 1000).toFixed(1)} s\n`
  );
}

/**
 * Live progress on a terminal: finished nodes scroll by as lines, and below them a status
 * block shows what runs (with its current step and time), what is done and what waits. The
 * block is redrawn in place at most ten times a second.
 */
import type { RunEvent } from '../scheduler/index.js';
import { resultLine, summaryLine } from './plain-run-reporter.js';

export interface TtyReporter {
  onEvent(event: RunEvent): void;
  /** Stops the redraw timer (the run is over or aborted). */
  close(): void;
}

export function ttyRunReporter(write: (text: string) => void, columns = 100): TtyReporter {
  const started = Date.now();
  const running = new Map<string, { since: number; step: string }>();
  const memoryWaits = new Map<string, string>();
  let total = 0;
  let done = 0;
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const clear = (): string => (drawn > 0 ? `\x1b[${drawn}A\x1b[J` : '');
  const fit = (s: string): string => (s.length > columns - 1 ? s.slice(0, columns - 2) + '…' : s);
  const block = (): string[] => {
    const now = Date.now();
    const lines = [...running].map(([id, r]) =>
      fit(`  \x1b[36m▶\x1b[0m ${id}  ${((now - r.since) / 1000).toFixed(1)} s  ${r.step}`),
    );
    for (const [id, why] of memoryWaits) lines.push(fit(`  \x1b[33m…\x1b[0m ${id}  ${why}`));
    lines.push(
      fit(
        `  ${done}/${total} done, ${running.size} running, ${Math.max(0, total - done - running.size)} waiting` +
          `  (${((now - started) / 1000).toFixed(0)} s)`,
      ),
    );
    return lines;
  };
  const redraw = (above = ''): void => {
    const lines = block();
    write(clear() + above + lines.join('\n') + '\n');
    drawn = lines.length;
  };
  const colour = (line: string): string => {
    const c = line.startsWith('passed')
      ? 32
      : line.startsWith('failed')
        ? 31
        : line.startsWith('blocked')
          ? 33
          : line.startsWith('reused')
            ? 34
            : 90;
    return `\x1b[${c}m${line.slice(0, 7)}\x1b[0m${line.slice(7)}`;
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'run-start':
          total = event.nodes.length;
          timer = setInterval(() => {
            redraw();
          }, 100);
          timer.unref();
          redraw(`cartograph: ${event.nodes.length} nodes, ${event.toRun} to run\n`);
          return;
        case 'node-waiting-memory':
          memoryWaits.set(
            event.node,
            `waits for ${event.memoryMiB} MiB of guest RAM (${event.inUseMiB} MiB in use)`,
          );
          return;
        case 'node-start':
          memoryWaits.delete(event.node);
          running.set(event.node, {
            since: Date.now(),
            step: event.attempt > 1 ? `attempt ${event.attempt}` : '',
          });
          return;
        case 'node-step': {
          const r = running.get(event.node);
          if (r !== undefined) r.step = event.step;
          return;
        }
        case 'node-retry':
          redraw(
            `\x1b[33mretry\x1b[0m   ${event.node}: attempt ${event.attempt} failed: ${event.error}\n`,
          );
          return;
        case 'node-end':
          running.delete(event.result.name);
          done++;
          redraw(colour(resultLine(event.result)));
          return;
        case 'node-waiting':
          return;
        case 'run-end':
          if (timer !== undefined) clearInterval(timer);
          write(clear() + summaryLine(event.report, Date.now() - started));
          drawn = 0;
          return;
      }
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}

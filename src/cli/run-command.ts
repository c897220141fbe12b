/**
 * `cartograph run`: plans, then builds the missing states and runs the selected tests, in
 * parallel; reports as it goes (live on a terminal, plain lines otherwise) and writes JSON and
 * JUnit reports on request. SIGINT/SIGTERM stop the running nodes and the vms they started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { junitReport } from '../report/junit-report.js';
import { plainRunReporter } from '../report/plain-run-reporter.js';
import { ttyRunReporter } from '../report/tty-run-reporter.js';
import { executePlan } from '../scheduler/execute-plan.js';
import { LocalExecutor } from '../scheduler/local-executor.js';
import type { RunEvent } from '../scheduler/run-event.js';
import { EXIT, type CliIo } from './cli-io.js';
import { formatPlan } from './format-plan.js';
import { prepareRun, RUN_OPTIONS_HELP } from './prepare-run.js';
import { writeAll } from './write-all.js';

const HELP = `usage: cartograph run [options] [KEY=VALUE...]

Builds the states the selected nodes need that are missing, reuses the ones that exist,
and runs the selected tests. Without only=/no= every test (node that sets no state) is
selected; the setup nodes they need are pulled in.

options:
  -j, --jobs N         nodes at once (default: the number of cores)
  --report FILE        write a JSON report
  --junit FILE         write a JUnit XML report
  --dry-run            print the plan and stop (--explain: with what changed)
  --fail-fast          start nothing new after a failure
${RUN_OPTIONS_HELP}`;

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const prepared = await prepareRun(argv, io);
  if (prepared === 'help') {
    await writeAll(io.stdout, HELP);
    return EXIT.ok;
  }
  const { plan, graph, values } = prepared;
  if (plan.steps.length === 0) {
    await writeAll(
      io.stderr,
      'cartograph run: no node selected (check only=/no= and the nodes config)\n',
    );
    return EXIT.usage;
  }
  if (values['dry-run'] === true) {
    await writeAll(io.stdout, formatPlan(plan, values.explain === true));
    return EXIT.ok;
  }

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runDir = resolve(io.cwd, '.cartograph', 'runs', `${stamp}-${process.pid}`);
  mkdirSync(runDir, { recursive: true });

  const out = (text: string): void => {
    io.stdout.write(text);
  };
  const live = io.stdout.isTTY === true && io.env.CI === undefined && io.env.TERM !== 'dumb';
  const tty = live ? ttyRunReporter(out, io.stdout.columns ?? 100) : undefined;
  const plain = live ? undefined : plainRunReporter(out);
  const onEvent = (e: RunEvent): void => {
    if (tty !== undefined) tty.onEvent(e);
    else plain?.(e);
  };
  out(`logs: ${runDir}\n`);

  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const stop = (sig: NodeJS.Signals): void => {
    if (signalled !== undefined) return;
    signalled = sig;
    io.stderr.write(`\ncartograph: ${sig}: stopping the running nodes and their vms\n`);
    controller.abort(new Error(sig));
  };
  const onInt = (): void => {
    stop('SIGINT');
  };
  const onTerm = (): void => {
    stop('SIGTERM');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  let report;
  try {
    const executor = new LocalExecutor({
      cwd: io.cwd,
      vmRunDir: prepared.vmRunDir,
      runDir,
      configDir: prepared.configDir,
      keys: prepared.keys,
      lockTimeoutMs: prepared.lockTimeoutMs,
    });
    report = await executePlan(graph, plan, executor, {
      jobs: prepared.jobs,
      failFast: values['fail-fast'] === true,
      signal: controller.signal,
      onEvent,
    });
  } finally {
    tty?.close();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }

  writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  if (values.report !== undefined) {
    writeFileSync(resolve(io.cwd, values.report), JSON.stringify(report, null, 2) + '\n');
  }
  if (values.junit !== undefined) writeFileSync(resolve(io.cwd, values.junit), junitReport(report));

  if (signalled !== undefined) return signalled === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  const s = report.summary;
  return s.failed + s.blocked + s.skipped === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * `cartograph run`: prepares the run (logs, reporters, signals) and applies the plan.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import {
  computeStateKeys,
  makePlan,
  type Plan,
  type StateKey,
  stateRefKey,
  type StateRequest,
} from '../../graph/index.js';
import { junitReport, plainRunReporter, ttyRunReporter } from '../../report/index.js';
import {
  executePlan,
  inspectGraph,
  LocalExecutor,
  type RunEvent,
  stateFinding,
} from '../../scheduler/index.js';
import { formatPlan } from '../format.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import {
  GRAPH_OPTIONS,
  GRAPH_OPTIONS_HELP,
  type LoadedGraph,
  loadGraph,
  lockTimeoutMs,
  parseTokens,
} from '../suite.js';

/**
 * What plan and run share: the graph of the selected nodes, the states that exist (asked of
 * the backends), and the plan made from both.
 */
export const RUN_OPTIONS = {
  ...GRAPH_OPTIONS,
  json: { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  report: { type: 'string' },
  junit: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'fail-fast': { type: 'boolean' },
  'run-dir': { type: 'string' },
  'lock-timeout': { type: 'string' },
  explain: { type: 'boolean' },
} as const;

export const RUN_OPTIONS_HELP = `${GRAPH_OPTIONS_HELP}  --run-dir DIR        where running vms keep their files (default .cartograph/run)
  --lock-timeout SEC   how long to wait for objects another cartograph process holds
                       (default 600)
`;

export interface PreparedRun extends LoadedGraph {
  readonly plan: Plan;
  /** The key each state would get now, by `stateRefKey`. */
  readonly keys: ReadonlyMap<string, StateKey>;
  readonly lockTimeoutMs: number | undefined;
  readonly values: ReturnType<typeof parseRunArgs>['values'];
  readonly vmRunDir: string;
  readonly configDir: string;
  readonly jobs: number;
}

function parseRunArgs(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, options: RUN_OPTIONS });
}

export async function prepareRun(
  argv: readonly string[],
  io: CliIo,
): Promise<PreparedRun | 'help'> {
  const { values, positionals } = parseRunArgs(argv);
  if (values.help === true) return 'help';
  let jobs = cpus().length;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      throw new UsageError('USAGE', `--jobs needs a positive whole number, not "${values.jobs}"`);
    }
  }
  const lockTimeout = lockTimeoutMs(values['lock-timeout']);
  const vmRunDir = values['run-dir'] ?? io.env.CARTOGRAPH_RUN_DIR ?? '.cartograph/run';
  const loaded = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens: parseTokens(positionals),
    runDir: vmRunDir,
  });
  const keys = computeStateKeys(loaded.graph);
  const found = await inspectGraph(loaded.graph, {
    cwd: io.cwd,
    runDir: vmRunDir,
    concurrency: jobs,
  });
  const requests = new Map<string, StateRequest>();
  for (const node of loaded.graph.nodes.values()) {
    for (const r of [...node.gets, ...node.sets]) requests.set(stateRefKey(r), r);
  }
  const plan = makePlan(loaded.graph, (ref) => {
    const key = stateRefKey(ref);
    const request = requests.get(key);
    if (request === undefined) return 'missing';
    return stateFinding(request, found.get(key), keys.get(key));
  });
  return {
    ...loaded,
    plan,
    keys,
    lockTimeoutMs: lockTimeout,
    values,
    vmRunDir,
    configDir: dirname(resolve(io.cwd, values.nodes)),
    jobs,
  };
}

/**
 * `cartograph run`: plans, then builds the missing states and runs the selected tests, in
 * parallel; reports as it goes (live on a terminal, plain lines otherwise) and writes JSON and
 * JUnit reports on request. SIGINT/SIGTERM stop the running nodes and the vms they started.
 */
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
      objectsFile: values.objects,
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

/**
 * `cartograph run`: prepares the run (logs, reporters, signals) and applies the plan.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import {
  type BoundNode,
  computeStateKeys,
  makePlan,
  type NodeGraph,
  type Plan,
  type StateKey,
  stateRefKey,
  type StateRequest,
} from '../../graph/index.js';
import { junitReport, plainRunReporter, ttyRunReporter } from '../../report/index.js';
import {
  cloneVerdict,
  executePlan,
  inspectGraph,
  LocalExecutor,
  type RunEvent,
  stateFinding,
  sweepClones,
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
  'max-memory': { type: 'string' },
  'no-clones': { type: 'boolean' },
  'keep-failed': { type: 'boolean' },
} as const;

export const RUN_OPTIONS_HELP = `${GRAPH_OPTIONS_HELP}  --run-dir DIR        where running vms keep their files (default .cartograph/run)
  --lock-timeout SEC   how long to wait for objects another cartograph process holds
                       (default 600)
  --no-clones          run tests on their objects themselves, one at a time, never on clones
`;

/** Whether a test runs on clones, and why not, for `plan --explain`. */
export function cloneNote(graph: NodeGraph, clones: boolean): (id: string) => string {
  return (id) => {
    if (!clones) return 'runs on its objects themselves (--no-clones)';
    const verdict = cloneVerdict(graph.nodes.get(id) as BoundNode);
    return verdict.clones
      ? 'runs on throw-away clones of its objects, beside other tests'
      : `runs on its objects themselves, one such test at a time: ${verdict.why}`;
  };
}

/**
 * The guest RAM running nodes may take together: `--max-memory` (MiB, or a size such as 6G),
 * by default three quarters of the memory the host has available now.
 */
export function maxMemoryMiB(value: string | undefined): number {
  if (value === undefined) return Math.max(256, Math.floor((freemem() / 2 ** 20) * 0.75));
  const m = /^(\d+)\s*([MG])?i?B?$/i.exec(value.trim());
  if (m === null) {
    throw new UsageError('USAGE', `--max-memory takes MiB or a size (4096, 6G), not "${value}"`);
  }
  return Number(m[1]) * (/^g$/i.test(m[2] ?? '') ? 1024 : 1);
}

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
  --max-memory SIZE    guest RAM the running vms may take together (MiB or 6G; default
                       three quarters of the memory available); nodes wait for it
  --keep-failed        keep the clones of failed tests (their log says where)
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
  const clones = values['no-clones'] !== true;
  if (values['dry-run'] === true) {
    await writeAll(io.stdout, formatPlan(plan, values.explain === true, cloneNote(graph, clones)));
    return EXIT.ok;
  }
  const maxMemory = maxMemoryMiB(values['max-memory']);

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
      clones,
      keepFailed: values['keep-failed'] === true,
      keys: prepared.keys,
      lockTimeoutMs: prepared.lockTimeoutMs,
    });
    // What runs killed before they could clean up left of their clones goes first.
    await sweepClones(dirname(runDir), io.cwd);
    report = await executePlan(graph, plan, executor, {
      jobs: prepared.jobs,
      maxMemoryMiB: maxMemory,
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

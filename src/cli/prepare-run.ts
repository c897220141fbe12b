/**
 * What plan and run share: the graph of the selected nodes, the states that exist (asked of
 * the backends), and the plan made from both.
 */
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { StateRequest } from '../graph/build-graph.js';
import { makePlan, type Plan } from '../graph/make-plan.js';
import { computeStateKeys, type StateKey } from '../graph/state-keys.js';
import { stateRefKey } from '../graph/state-ref.js';
import { inspectGraph } from '../scheduler/inspect-graph.js';
import { stateFinding } from '../scheduler/state-finding.js';
import type { CliIo } from './cli-io.js';
import { GRAPH_OPTIONS, GRAPH_OPTIONS_HELP } from './graph-options.js';
import { lockTimeoutMs } from './lock-timeout-ms.js';
import { loadGraph, type LoadedGraph } from './load-graph.js';
import { parseTokens } from './parse-tokens.js';

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
  const loaded = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens: parseTokens(positionals),
  });
  const vmRunDir = values['run-dir'] ?? io.env.CARTOGRAPH_RUN_DIR ?? '.cartograph/run';
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

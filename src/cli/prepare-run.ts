/**
 * What plan and run share: the graph of the selected nodes, the states that exist (asked of
 * the backends), and the plan made from both.
 */
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { makePlan, type Plan } from '../graph/make-plan.js';
import { stateRefKey } from '../graph/state-ref.js';
import { probeGraph } from '../scheduler/probe-graph.js';
import type { CliIo } from './cli-io.js';
import { GRAPH_OPTIONS, GRAPH_OPTIONS_HELP } from './graph-options.js';
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
} as const;

export const RUN_OPTIONS_HELP = `${GRAPH_OPTIONS_HELP}  --run-dir DIR        where running vms keep their files (default .cartograph/run)
`;

export interface PreparedRun extends LoadedGraph {
  readonly plan: Plan;
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
  const loaded = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens: parseTokens(positionals),
  });
  const vmRunDir = values['run-dir'] ?? io.env.CARTOGRAPH_RUN_DIR ?? '.cartograph/run';
  const exists = await probeGraph(loaded.graph, {
    cwd: io.cwd,
    runDir: vmRunDir,
    concurrency: jobs,
  });
  const plan = makePlan(loaded.graph, (ref) =>
    exists.get(stateRefKey(ref)) === true ? 'present' : 'missing',
  );
  return {
    ...loaded,
    plan,
    values,
    vmRunDir,
    configDir: dirname(resolve(io.cwd, values.nodes)),
    jobs,
  };
}

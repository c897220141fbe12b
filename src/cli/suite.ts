/**
 * Loading the suite a command works on: its tokens (`only=`, `vms=`, `KEY=VALUE`), options and
 * config files, into the graph.
 */
import type { ParseArgsConfig } from 'node:util';
import { CartographError, ConfigError, UsageError } from '../errors.js';
import {
  buildGraph,
  loadNodes,
  loadObjects,
  type NodeGraph,
  type NodeSet,
  type NodeVariant,
  type ObjectSet,
} from '../graph/index.js';
import { type Filter, filterMatches, LineError, parseFilterText } from '../parser/index.js';
import { checkSuite, distinctProblems, problemsError } from './suite-check/index.js';

/**
 * The `KEY=VALUE` tokens of run and state commands, the way avocado-i2n's command line takes
 * them: `only=FILTER` / `no=FILTER` pick nodes (several are ANDed), `vms=vm1,vm2` picks vms,
 * `only_vm1=FILTER` / `no_vm1=FILTER` narrow a vm's variants, anything else overrides a
 * parameter.
 */
export interface RunTokens {
  readonly only: readonly string[];
  readonly no: readonly string[];
  readonly vms: readonly string[] | undefined;
  readonly vmOnly: ReadonlyMap<string, readonly string[]>;
  readonly vmNo: ReadonlyMap<string, readonly string[]>;
  /** Every token but `only`, `no` and `vms`, as assignments. */
  readonly assignments: readonly (readonly [string, string])[];
}

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function parseTokens(tokens: readonly string[]): RunTokens {
  const only: string[] = [];
  const no: string[] = [];
  let vms: string[] | undefined;
  const vmOnly = new Map<string, string[]>();
  const vmNo = new Map<string, string[]>();
  const assignments: [string, string][] = [];
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new UsageError('USAGE', `expected KEY=VALUE, got "${token}"`);
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!KEY.test(key)) throw new UsageError('USAGE', `"${key}" is not a parameter name`);
    if (key === 'only') only.push(value);
    else if (key === 'no') no.push(value);
    else if (key === 'vms') vms = value.split(/[,\s]+/).filter((v) => v !== '');
    else {
      const m = /^(only|no)_(.+)$/.exec(key);
      if (m !== null) {
        const map = m[1] === 'only' ? vmOnly : vmNo;
        const vm = m[2] as string;
        map.set(vm, [...(map.get(vm) ?? []), value]);
      }
      assignments.push([key, value]);
    }
  }
  return { only, no, vms, vmOnly, vmNo, assignments };
}

/**
 * Options shared by the commands that read the objects and nodes configs (list, graph, plan,
 * run): `--objects FILE`, `--nodes FILE` and the KEY=VALUE tokens.
 */
export const GRAPH_OPTIONS = {
  objects: { type: 'string', default: 'configs/objects.cfg' },
  nodes: { type: 'string', default: 'configs/nodes.cfg' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const GRAPH_OPTIONS_HELP = `  --objects FILE       the objects config (default configs/objects.cfg)
  --nodes FILE         the nodes config (default configs/nodes.cfg)
  KEY=VALUE            only=FILTER / no=FILTER pick nodes, vms=vm1,vm2 picks vms,
                       only_vm1=FILTER / no_vm1=FILTER narrow a vm's variants,
                       anything else overrides a parameter
`;

/** `--lock-timeout SECONDS` (run, verify, gc) as milliseconds; `undefined` when not given. */
export function lockTimeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError('USAGE', `--lock-timeout needs a number of seconds, not "${value}"`);
  }
  return seconds * 1000;
}

/**
 * Shared by list, graph, plan, run, verify and gc: reads the objects and nodes configs with
 * the command line's tokens, picks the nodes the user asked for, builds the graph and checks
 * every parameter run would read (`checkSuite`).
 */
export interface GraphInputs {
  readonly objectsFile: string;
  readonly nodesFile: string;
  readonly cwd: string;
  readonly tokens: RunTokens;
  /** The run directory of vms (`--run-dir`), checked with the suite when given. */
  readonly runDir?: string | undefined;
}

export interface LoadedGraph {
  readonly objects: ObjectSet;
  readonly nodes: NodeSet;
  readonly graph: NodeGraph;
}

/**
 * Loads the suite. Every problem found on the way is reported together, each with its place
 * in the configs (`ConfigProblems` when there are several): parse errors of both configs, bad
 * state names, then every parameter of the objects and of the graph's nodes (`checkSuite`).
 */
export function loadGraph(inputs: GraphInputs): LoadedGraph {
  const { tokens } = inputs;
  const problems: CartographError[] = [];
  const collect = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof CartographError)) throw error;
      problems.push(error as CartographError);
      return undefined;
    }
  };
  const objects = collect(() =>
    loadObjects({
      file: inputs.objectsFile,
      cwd: inputs.cwd,
      assignments: tokens.assignments,
      ...(tokens.vms === undefined ? {} : { vms: tokens.vms }),
      only: tokens.vmOnly,
      no: tokens.vmNo,
    }),
  );
  const parseErrors: ConfigError[] = [];
  const nodes = collect(() =>
    loadNodes({
      file: inputs.nodesFile,
      cwd: inputs.cwd,
      assignments: tokens.assignments,
      onError: (e) => parseErrors.push(e),
    }),
  );
  problems.push(...parseErrors);
  const only = tokens.only.map((t) => collect(() => tokenFilter('only', t)));
  const no = tokens.no.map((t) => collect(() => tokenFilter('no', t)));
  if (objects === undefined || nodes === undefined || problems.length > 0) {
    throw problemsError(problems);
  }
  const selected = (v: NodeVariant): boolean => {
    if (only.length === 0 && no.length === 0) return !setsStates(v);
    return (
      only.every((f) => f !== undefined && filterMatches(f, v.labels)) &&
      !no.some((f) => f !== undefined && filterMatches(f, v.labels))
    );
  };
  const graph = collect(() =>
    buildGraph({ objects, nodes, selected, onError: (e) => problems.push(e) }),
  );
  if (graph !== undefined) problems.push(...checkSuite({ objects, nodes, graph }, inputs));
  if (graph === undefined || problems.length > 0) throw problemsError(distinctProblems(problems));
  return { objects, nodes, graph };
}

/** Without filters the tests are picked: the nodes that set no state. */
function setsStates(v: NodeVariant): boolean {
  for (const key of v.params.keys()) {
    if (key.startsWith('set_state') && (v.params.get(key) ?? '') !== '') return true;
  }
  return false;
}

function tokenFilter(key: string, text: string): Filter {
  try {
    return parseFilterText(text);
  } catch (e) {
    if (e instanceof LineError) {
      throw new ConfigError(e.code, `${key}=${text}: ${e.message}`, {
        location: {
          file: '<command line>',
          line: 1,
          column: key.length + 2 + e.pos,
          sourceLine: `${key}=${text}`,
        },
      });
    }
    throw e;
  }
}

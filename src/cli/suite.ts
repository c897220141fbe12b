/**
 * Loading the suite a command works on: its tokens (`only=`, `vms=`, `KEY=VALUE`), options and
 * config files, into the graph.
 */
import type { ParseArgsConfig } from 'node:util';
import { ConfigError, UsageError } from '../errors.js';
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
 * Shared by list, graph, plan and run: reads the objects and nodes configs with the command
 * line's tokens, picks the nodes the user asked for and builds the graph.
 */
export interface GraphInputs {
  readonly objectsFile: string;
  readonly nodesFile: string;
  readonly cwd: string;
  readonly tokens: RunTokens;
}

export interface LoadedGraph {
  readonly objects: ObjectSet;
  readonly nodes: NodeSet;
  readonly graph: NodeGraph;
}

export function loadGraph(inputs: GraphInputs): LoadedGraph {
  const { tokens } = inputs;
  const errors: ConfigError[] = [];
  const objects = loadObjects({
    file: inputs.objectsFile,
    cwd: inputs.cwd,
    assignments: tokens.assignments,
    ...(tokens.vms === undefined ? {} : { vms: tokens.vms }),
    only: tokens.vmOnly,
    no: tokens.vmNo,
  });
  const nodes = loadNodes({
    file: inputs.nodesFile,
    cwd: inputs.cwd,
    assignments: tokens.assignments,
    onError: (e) => errors.push(e),
  });
  if (errors[0] !== undefined) throw errors[0];
  const only = tokens.only.map((t) => tokenFilter('only', t));
  const no = tokens.no.map((t) => tokenFilter('no', t));
  const selected = (v: NodeVariant): boolean => {
    if (only.length === 0 && no.length === 0) return !setsStates(v);
    return (
      only.every((f) => filterMatches(f, v.labels)) && !no.some((f) => filterMatches(f, v.labels))
    );
  };
  return { objects, nodes, graph: buildGraph({ objects, nodes, selected }) };
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

/**
 * Shared by list, graph, plan and run: reads the objects and nodes configs with the command
 * line's tokens, picks the nodes the user asked for and builds the graph.
 */
import { ConfigError } from '../errors.js';
import { buildGraph, type NodeGraph } from '../graph/build-graph.js';
import { loadNodes, type NodeSet } from '../graph/load-nodes.js';
import { loadObjects, type ObjectSet } from '../graph/load-objects.js';
import type { NodeVariant } from '../graph/node-variant.js';
import type { Filter } from '../parser/filter.js';
import { filterMatches } from '../parser/filter-match.js';
import { LineError } from '../parser/line-error.js';
import { parseFilterText } from '../parser/yaml/parse-filter-text.js';
import type { RunTokens } from './parse-tokens.js';

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

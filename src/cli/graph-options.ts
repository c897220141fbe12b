/**
 * Options shared by the commands that read the objects and nodes configs (list, graph, plan,
 * run): `--objects FILE`, `--nodes FILE` and the KEY=VALUE tokens.
 */
import type { ParseArgsConfig } from 'node:util';

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

import { parseArgs } from 'node:util';
import type { BoundNode } from '../../graph/index.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import { GRAPH_OPTIONS, GRAPH_OPTIONS_HELP, loadGraph, parseTokens } from '../suite.js';

/** `cartograph list`: the selected nodes and the setup nodes they pull in, with their objects. */
const HELP = `usage: cartograph list [options] [KEY=VALUE...]

Lists the nodes a run would consider: the selected ones and the setup nodes they need,
producers first, each with the object variants it is bound to.

options:
  --json               one JSON document
${GRAPH_OPTIONS_HELP}`;

export async function listCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { ...GRAPH_OPTIONS, json: { type: 'boolean' } },
  });
  if (values.help === true) {
    await writeAll(io.stdout, HELP);
    return EXIT.ok;
  }
  const { graph } = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens: parseTokens(positionals),
  });
  const nodes = graph.order.map((id) => graph.nodes.get(id) as BoundNode);
  if (values.json === true) {
    const data = nodes.map((n) => ({
      id: n.id,
      name: n.variant.name,
      kind: n.sets.length > 0 ? 'setup' : 'test',
      selected: n.selected,
      objects: n.vms.map((v) => v.id),
      get: n.gets.map((s) => `${s.state}@${s.objectId}`),
      set: n.sets.map((s) => `${s.state}@${s.objectId}`),
    }));
    await writeAll(io.stdout, JSON.stringify(data, null, 2) + '\n');
    return EXIT.ok;
  }
  const width = Math.max(4, ...nodes.map((n) => n.id.length));
  let out = '';
  for (const n of nodes) {
    const kind = n.sets.length > 0 ? 'setup' : 'test ';
    const mark = n.selected ? '*' : ' ';
    const states = (list: BoundNode['gets']): string =>
      [...new Set(list.map((s) => s.state))].join(',') || '-';
    out += `${mark} ${kind}  ${n.id.padEnd(width)}  get ${states(n.gets)}  set ${states(n.sets)}\n`;
  }
  out += `(${nodes.filter((n) => n.selected).length} selected, * marks them; ${nodes.length} in all)\n`;
  await writeAll(io.stdout, out);
  return EXIT.ok;
}

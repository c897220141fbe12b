import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { exportGraph, type GraphFormat } from '../../graph/index.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import { GRAPH_OPTIONS, GRAPH_OPTIONS_HELP, loadGraph, parseTokens } from '../suite.js';

/** `cartograph graph --format dot|mermaid|json`: the node graph for other tools. */
const HELP = `usage: cartograph graph [--format dot|mermaid|json] [options] [KEY=VALUE...]

Prints the dependency graph: an edge goes from the node that sets a state to the node
that gets it, labelled with the state.

options:
  --format FORMAT      dot (default), mermaid or json
${GRAPH_OPTIONS_HELP}`;

const FORMATS: readonly GraphFormat[] = ['dot', 'mermaid', 'json'];

export async function graphCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { ...GRAPH_OPTIONS, format: { type: 'string', default: 'dot' } },
  });
  if (values.help === true) {
    await writeAll(io.stdout, HELP);
    return EXIT.ok;
  }
  const format = values.format as GraphFormat;
  if (!FORMATS.includes(format)) {
    throw new UsageError(
      'USAGE',
      `--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`,
    );
  }
  const { graph } = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens: parseTokens(positionals),
  });
  await writeAll(io.stdout, exportGraph(graph, format));
  return EXIT.ok;
}

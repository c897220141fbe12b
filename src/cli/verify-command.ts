/**
 * `cartograph verify`: checks the states of the configs' objects (readable qcow2, backing
 * chains intact, manifests present and matching, nothing left half-written); `--repair` fixes
 * what is safe and reports the rest. Exit 0 when all is well (or repaired), 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { verifyStates, type VerifyEntry } from '../states/index.js';
import { EXIT, type CliIo } from './cli-io.js';
import { GRAPH_OPTIONS, GRAPH_OPTIONS_HELP } from './graph-options.js';
import { loadGraph } from './load-graph.js';
import { graphStateTargets } from './graph-state-targets.js';
import { lockTimeoutMs } from './lock-timeout-ms.js';
import { parseTokens } from './parse-tokens.js';
import { writeAll } from './write-all.js';

const HELP = `usage: cartograph verify [--repair] [--json] [options] [KEY=VALUE...]

Checks every state kept for the objects of the configs (in their images and pools) and the
active images: each file is a readable qcow2 (qemu-img check) with its backing chain intact,
each state's manifest is there, parses and matches it; states left by interrupted operations,
manifests without states and temporary files of dead processes are found. Nothing is changed
and nothing is locked unless --repair is given. Exit 0 when all is well (or repaired), 1
otherwise.

options:
  --repair             fix what is safe (under the objects' locks): discard what interrupted
                       operations left, free leaked clusters, remove manifests without states
                       and temporary files of dead processes; report the rest
  --json               the report as JSON
  --run-dir DIR        where running vms keep their files (default .cartograph/run)
  --lock-timeout SEC   how long --repair waits for other cartograph processes (default 600)
${GRAPH_OPTIONS_HELP}`;

function describe(entry: VerifyEntry): string {
  const what =
    entry.state === null
      ? `${entry.targets.join(', ')} ${entry.file}`
      : `${entry.targets.join(', ')} ${entry.state} [${entry.backend ?? ''}]`;
  return entry.problems
    .map(
      (p) =>
        `${what}: ${p.severity === 'error' ? 'error' : 'warning'} ${p.code}: ${p.message}` +
        (p.repaired === undefined ? '' : ` (repaired: ${p.repaired})`) +
        '\n',
    )
    .join('');
}

export async function verifyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...GRAPH_OPTIONS,
      repair: { type: 'boolean' },
      json: { type: 'boolean' },
      'run-dir': { type: 'string' },
      'lock-timeout': { type: 'string' },
    },
  });
  if (values.help === true) {
    await writeAll(io.stdout, HELP);
    return EXIT.ok;
  }
  const timeout = lockTimeoutMs(values['lock-timeout']);
  const loaded = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens: parseTokens(positionals),
  });
  const report = await verifyStates(graphStateTargets(loaded, loaded.graph), {
    cwd: io.cwd,
    runDir: values['run-dir'] ?? io.env.CARTOGRAPH_RUN_DIR ?? '.cartograph/run',
    repair: values.repair === true,
    ...(timeout === undefined ? {} : { lockTimeoutMs: timeout }),
  });
  if (values.json === true) {
    await writeAll(io.stdout, `${JSON.stringify(report, null, 2)}\n`);
  } else {
    const states = report.entries.filter((e) => e.state !== null).length;
    const images = report.entries.filter(
      (e) => e.state === null && e.problems.every((p) => p.code !== 'leftover-temp'),
    ).length;
    const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
    await writeAll(
      io.stdout,
      report.entries.map(describe).join('') +
        `verify: ${count(states, 'state')} and ${count(images, 'image')} checked: ` +
        `${count(report.errors, 'error')}, ${count(report.warnings, 'warning')}` +
        (report.repaired > 0 ? `, ${report.repaired} repaired` : '') +
        '\n',
    );
  }
  return report.errors === 0 ? EXIT.ok : EXIT.failed;
}

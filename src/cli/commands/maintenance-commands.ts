/**
 * The maintenance commands: `verify` and `gc`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { type BoundNode, buildGraph, type NodeGraph } from '../../graph/index.js';
import { type GcDecision, gcStates, type VerifyEntry, verifyStates } from '../../states/index.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import { graphStateTargets } from '../state-targets.js';
import {
  GRAPH_OPTIONS,
  GRAPH_OPTIONS_HELP,
  type LoadedGraph,
  loadGraph,
  lockTimeoutMs,
  parseTokens,
} from '../suite.js';

/**
 * `cartograph verify`: checks the states of the configs' objects (readable qcow2, backing
 * chains intact, manifests present and matching, nothing left half-written); `--repair` fixes
 * what is safe and reports the rest. Exit 0 when all is well (or repaired), 1 otherwise.
 */
const VERIFY_HELP = `usage: cartograph verify [--repair] [--json] [options] [KEY=VALUE...]

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
    await writeAll(io.stdout, VERIFY_HELP);
    return EXIT.ok;
  }
  const timeout = lockTimeoutMs(values['lock-timeout']);
  const runDir = values['run-dir'] ?? io.env.CARTOGRAPH_RUN_DIR ?? '.cartograph/run';
  const loaded = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens: parseTokens(positionals),
    runDir,
  });
  const report = await verifyStates(graphStateTargets(loaded, loaded.graph), {
    cwd: io.cwd,
    runDir,
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

/**
 * `cartograph gc`: removes the states no current config produces, the ones interrupted writes
 * left, and (with `--max-size`) the least recently used ones beyond a size budget; never one
 * an active image or a kept state is built on. Says what it freed and what it kept, and why.
 */
const GC_HELP = `usage: cartograph gc [--keep-last N] [--max-size SIZE] [--dry-run] [--json] [options] [KEY=VALUE...]

Removes the states kept for the objects of the configs that no node sets any more (for that
object, with that backend), the ones interrupted writes left, and with --max-size the least
recently used ones (restored or saved last) until the rest fit. Never removes a state an active
image or a kept state is built on, nor a root. Without only=/no= every node of the nodes config
counts; with them, only the nodes they select. Says what it freed and what it kept, and why.

options:
  --keep-last N        keep the N most recently used states of each object, whatever else
  --max-size SIZE      remove least recently used states until the kept ones take at most
                       SIZE (bytes, or 500M, 10G, 1.5T: powers of 1024)
  --dry-run            say what would be removed; change nothing (and lock nothing)
  --json               the report as JSON
  --run-dir DIR        where running vms keep their files (default .cartograph/run)
  --lock-timeout SEC   how long to wait for other cartograph processes (default 600)
${GRAPH_OPTIONS_HELP}`;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
};

/** `--max-size` in bytes: a byte count or a size like `500M`, `10G`, `1.5TiB`. */
function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(value.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined) {
    throw new UsageError('USAGE', `--max-size needs a size such as 10G or 500M, not "${value}"`);
  }
  return Math.floor(Number(m[1]) * unit);
}

function parseCount(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || value.trim() === '') {
    throw new UsageError('USAGE', `${option} needs a whole number, not "${value}"`);
  }
  return n;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

/** The graph whose nodes count as producers: every node without only=/no=, else those picked. */
function producingGraph(loaded: LoadedGraph, filtered: boolean): NodeGraph {
  if (filtered) return loaded.graph;
  return buildGraph({ objects: loaded.objects, nodes: loaded.nodes, selected: () => true });
}

/** Which nodes set each state: `kind:object:state:backend` → node ids. */
function producers(graph: NodeGraph): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const id of graph.order) {
    const node = graph.nodes.get(id) as BoundNode;
    for (const set of node.sets) {
      const named = set.params.get('states') ?? '';
      const backend = named !== '' ? named : set.type === 'vms' ? 'qcow2vt' : 'qcow2';
      const keys = [`${set.type}:${set.objectId}:${set.state}:${backend}`];
      // A ramfile vm state keeps its disks as the images' qcow2ext states of its name.
      if (set.type === 'vms' && backend === 'ramfile') {
        const vm = node.vms.find((v) => v.id === set.objectId);
        for (const image of vm?.images ?? []) keys.push(`images:${image.id}:${set.state}:qcow2ext`);
      }
      for (const key of keys) by.set(key, [...(by.get(key) ?? []), node.id]);
    }
  }
  return by;
}

function line(verb: string, d: GcDecision): string {
  return `${verb} ${d.targets.join(', ')} ${d.state} [${d.backend}] ${formatBytes(d.bytes)}: ${d.reason}\n`;
}

export async function gcCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...GRAPH_OPTIONS,
      'keep-last': { type: 'string' },
      'max-size': { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      'run-dir': { type: 'string' },
      'lock-timeout': { type: 'string' },
    },
  });
  if (values.help === true) {
    await writeAll(io.stdout, GC_HELP);
    return EXIT.ok;
  }
  const keepLast =
    values['keep-last'] === undefined ? undefined : parseCount('--keep-last', values['keep-last']);
  const maxBytes = values['max-size'] === undefined ? undefined : parseSize(values['max-size']);
  const timeout = lockTimeoutMs(values['lock-timeout']);
  const tokens = parseTokens(positionals);
  const runDir = values['run-dir'] ?? io.env.CARTOGRAPH_RUN_DIR ?? '.cartograph/run';
  const loaded = loadGraph({
    objectsFile: values.objects,
    nodesFile: values.nodes,
    cwd: io.cwd,
    tokens,
    runDir,
  });
  const graph = producingGraph(loaded, tokens.only.length > 0 || tokens.no.length > 0);
  const produced = producers(graph);
  const report = await gcStates(
    graphStateTargets(loaded, graph),
    {
      produced: (s) => {
        const nodes = s.targets.flatMap(
          (t) => produced.get(`${s.kind}:${t}:${s.state}:${s.backend}`) ?? [],
        );
        return nodes.length === 0 ? undefined : `set by ${[...new Set(nodes)].join(', ')}`;
      },
      keepLast,
      maxBytes,
      dryRun: values['dry-run'] === true,
    },
    {
      cwd: io.cwd,
      runDir,
      ...(timeout === undefined ? {} : { lockTimeoutMs: timeout }),
    },
  );
  if (values.json === true) {
    await writeAll(io.stdout, `${JSON.stringify(report, null, 2)}\n`);
  } else {
    const removed = report.dryRun ? 'would remove' : 'removed';
    const plural = (n: number): string => `${n} state${n === 1 ? '' : 's'}`;
    await writeAll(
      io.stdout,
      report.removed.map((d) => line(removed.padEnd(12), d)).join('') +
        report.failed
          .map((d) => line('not removed'.padEnd(12), { ...d, reason: d.error }))
          .join('') +
        report.kept.map((d) => line('kept'.padEnd(12), d)).join('') +
        `gc: ${report.dryRun ? 'would free' : 'freed'} ${formatBytes(report.freedBytes)} ` +
        `(${plural(report.removed.length)}), kept ${plural(report.kept.length)} ` +
        `(${formatBytes(report.keptBytes)})` +
        (report.failed.length > 0 ? `, ${plural(report.failed.length)} could not be removed` : '') +
        '\n',
    );
  }
  if (report.overBudget !== undefined) {
    await writeAll(io.stderr, `cartograph gc: over --max-size: ${report.overBudget}\n`);
  }
  return report.failed.length === 0 ? EXIT.ok : EXIT.failed;
}

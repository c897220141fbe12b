/**
 * The load-time check of a suite: every parameter `run` will read later, of every object and
 * of every node of the graph, is read once now, and every problem is reported together, each
 * at the place in the configs where its value was set. Nothing is written, nothing runs.
 */
import { resolve } from 'node:path';
import { CartographError, ConfigError, GraphError, StateError } from '../../errors.js';
import {
  type BoundNode,
  type NodeGraph,
  type NodeSet,
  type ObjectSet,
  paramOrigin,
  type ParamOrigin,
  type VmObject,
} from '../../graph/index.js';
import { cachedStat, NAME_MAX, pathProblem } from '../../shared/index.js';
import { nodeTargets, vmTargetOf } from '../../scheduler/index.js';
import type { StateTarget } from '../../states/index.js';
import { type CheckOptions, checkTarget, type Finding, shorten } from './target-checks.js';

/** What {@link checkSuite} looks at. */
export interface SuiteToCheck {
  readonly objects: ObjectSet;
  readonly nodes: NodeSet;
  readonly graph: NodeGraph;
}

export interface SuiteCheckOptions {
  /** Where relative paths resolve. */
  readonly cwd: string;
  /** The run directory of vms (`--run-dir`), checked when given. */
  readonly runDir?: string | undefined;
}

/**
 * Every problem of the suite's parameters, located where possible (`distinctProblems` makes
 * a value set once and read for many objects one problem). Empty when all is well.
 */
export function checkSuite(suite: SuiteToCheck, options: SuiteCheckOptions): CartographError[] {
  const checker = new SuiteChecker(options);
  checker.objects(suite.objects);
  checker.nodes(suite);
  if (options.runDir !== undefined) checker.runDir(options.runDir);
  return checker.found;
}

/**
 * The problems of the objects' own parameters (every vm variant with its images), as the
 * state commands (`set`, `get` …) read them; see {@link checkSuite}.
 */
export function checkObjects(objects: ObjectSet, options: SuiteCheckOptions): CartographError[] {
  const checker = new SuiteChecker(options);
  checker.objects(objects);
  if (options.runDir !== undefined) checker.runDir(options.runDir);
  return checker.found;
}

class SuiteChecker {
  readonly found: CartographError[] = [];
  private readonly checks: CheckOptions;

  constructor(private readonly options: SuiteCheckOptions) {
    // Many targets share their paths and directories: each is looked at once.
    this.checks = { cwd: options.cwd, paths: new Map(), stat: cachedStat() };
  }

  private add(finding: Finding, locate: () => ParamOrigin | undefined): void {
    const origin = locate();
    this.found.push(origin === undefined ? finding.error : withOrigin(finding.error, origin));
  }

  objects(objects: ObjectSet): void {
    for (const variants of objects.vms.values()) {
      for (const vm of variants) {
        for (const f of checkTarget(vmTargetOf(vm, vm.params), this.checks)) {
          this.add(f, () => objectOrigin(objects, vm, f));
        }
      }
    }
  }

  nodes({ objects, nodes, graph }: SuiteToCheck): void {
    const seen = new Set<string>();
    for (const id of graph.order) {
      const node = graph.nodes.get(id) as BoundNode;
      const labels = node.variant.labels;
      for (const f of checkNode(node)) {
        this.add(f, () =>
          f.param === undefined
            ? undefined
            : paramOrigin(nodes.tree, labels, f.param, f.value, { suffixes: new Set() }),
        );
      }
      // A node's params over an object's change what the checks read only through keys other
      // than the node's own (command, states it gets and sets …): nodes that add the same
      // such keys to the same object need one look, and nodes that add none none at all.
      const extra = objectKeys(node);
      const fresh = node.vms.filter((vm) => extra !== '' && !seen.has(`${vm.id}\0${extra}`));
      if (fresh.length === 0) continue;
      for (const { vm, target } of nodeTargets(node)) {
        if (!fresh.includes(vm)) continue;
        seen.add(`${vm.id}\0${extra}`);
        for (const f of checkTarget(target, this.checks)) {
          this.add(f, () => {
            if (f.param === undefined) return undefined;
            // The node's value overrides the object's: look for the value in the nodes config
            // first, then in the objects config, and only then for any assignment of the key.
            const suffixes = suffixesOf(f.target ?? target);
            const inNodes = (byValueOnly: boolean): ParamOrigin | undefined =>
              paramOrigin(nodes.tree, labels, f.param ?? '', f.value, { suffixes, byValueOnly });
            return (
              inNodes(true) ??
              objectOrigin(objects, vm, f, true) ??
              inNodes(false) ??
              objectOrigin(objects, vm, f, false)
            );
          });
        }
      }
    }
  }

  runDir(runDir: string): void {
    const dir = resolve(this.options.cwd, runDir);
    // Inside: a directory per vm and its lock file (an object name of up to NAME_MAX bytes).
    const problem = pathProblem(dir, 'directory', 1 + NAME_MAX, this.checks.stat);
    if (problem === undefined) return;
    this.found.push(
      new ConfigError('CFG_BAD_PATH', `the run directory ${dir}: ${problem.why}`, {
        hint: 'pass another with --run-dir DIR (or CARTOGRAPH_RUN_DIR)',
      }),
    );
  }
}

/** Where a finding of a vm variant's own params was set in the objects config. */
function objectOrigin(
  objects: ObjectSet,
  vm: VmObject,
  f: Finding,
  byValueOnly = false,
): ParamOrigin | undefined {
  if (objects.tree === undefined || f.param === undefined) return undefined;
  return paramOrigin(objects.tree, vm.labels, f.param, f.value, {
    suffixes: suffixesOf(f.target),
    byValueOnly,
  });
}

/** The suffixes that scope a target's params (`_vm1`, `_image1`, `_images`). */
function suffixesOf(target: StateTarget | undefined): ReadonlySet<string> | undefined {
  if (target === undefined) return undefined;
  return target.kind === 'images'
    ? new Set([target.vmName, target.name, 'images'])
    : new Set([target.vmName, 'vms']);
}

/**
 * Keys of a node that say what the node does and never what its objects are: the checks of
 * an object's params read none of them (the graph checks the names of the states).
 */
const NODE_KEYS =
  /^(?:name|shortname|dep|_name_map_file|_short_name_map_file|vms|images|main_vm|type|command|command_timeout|max_tries|boot|get|(?:get|set)_state(?:_.*)?|(?:only|no)_.+)$/;

/** The node's params that may change an object's (as `key=value` lines), '' for none. */
function objectKeys(node: BoundNode): string {
  const lines: string[] = [];
  for (const [key, value] of node.variant.params.entries()) {
    if (!NODE_KEYS.test(key)) lines.push(`${key}=${JSON.stringify(value)}`);
  }
  return lines.sort().join('\n');
}

/** The largest `max_tries` taken: retries beyond it are a typo, not a plan. */
const MAX_TRIES = 1000;

/** Problems of a node's own parameters: what the scheduler reads of it. */
function checkNode(node: BoundNode): Finding[] {
  const out: Finding[] = [];
  const p = node.variant.params;
  const name = node.variant.name;
  const whole = (key: string, min: number, max: number, what: string): void => {
    const value = p.get(key);
    if (value === undefined) return;
    let n: number | undefined;
    try {
      n = p.getNumeric(key);
    } catch {
      n = undefined;
    }
    if (n === undefined || n < min || n > max) {
      out.push({
        param: key,
        value,
        error: new ConfigError(
          'CFG_BAD_VALUE',
          `${key} = ${JSON.stringify(shorten(value))} of node ${name}: expected ${what}`,
        ),
      });
    }
  };
  whole('max_tries', 1, MAX_TRIES, `a whole number of tries from 1 to ${MAX_TRIES}`);
  whole('command_timeout', 0, 2 ** 31 / 1000, 'a whole number of seconds (0: none)');
  const type = p.get('type');
  if (type !== undefined && type !== 'command' && type !== 'noop') {
    out.push({
      param: 'type',
      value: type,
      error: new ConfigError(
        'CFG_BAD_VALUE',
        `type = ${JSON.stringify(shorten(type))} of node ${name}: expected command or noop`,
      ),
    });
  } else if (type === 'command' && (p.get('command') ?? '').trim() === '') {
    out.push({
      param: 'type',
      value: type,
      error: new ConfigError(
        'CFG_MISSING_PARAM',
        `node ${name} has type = command but no command`,
        { hint: 'set command = …, or type = noop' },
      ),
    });
  }
  // The node's directory in a run is named after its id.
  const bytes = Buffer.byteLength(node.id);
  if (bytes > NAME_MAX) {
    out.push({
      param: undefined,
      value: undefined,
      error: new ConfigError(
        'CFG_BAD_VALUE',
        `node ${shorten(node.id)}: its id is ${bytes} bytes, over the ${NAME_MAX} of the directory a run keeps its logs in`,
        { hint: 'use shorter variant names' },
      ),
    });
  }
  return out;
}

/**
 * Each problem once: those with the same code at the same place (a value set once and read for
 * many objects or nodes), or with the same message, are one, saying how many more it stands
 * for. In the order they were found.
 */
export function distinctProblems(problems: readonly CartographError[]): CartographError[] {
  const byKey = new Map<string, { error: CartographError; alike: Set<string> }>();
  for (const error of problems) {
    const loc = error.location;
    const key =
      loc === undefined
        ? `${error.code}|${error.message}`
        : `${error.code}|${loc.file}:${loc.line}:${loc.column}`;
    const known = byKey.get(key);
    if (known === undefined) byKey.set(key, { error, alike: new Set() });
    else if (known.error.message !== error.message) known.alike.add(error.message);
  }
  return [...byKey.values()].map(({ error, alike }) =>
    alike.size === 0
      ? error
      : copyError(error, `${error.message} (and ${alike.size} more like it)`, {}),
  );
}

/** `error` pointing at where its value was set. */
function withOrigin(error: CartographError, origin: ParamOrigin): CartographError {
  return copyError(error, error.message, {
    location: origin.location,
    related: [...origin.related, ...error.related],
  });
}

/** A copy of `error` (same class and code) with another message, location or notes. */
function copyError(
  error: CartographError,
  message: string,
  change: Pick<CartographError, 'location' | 'related'> | Record<string, never>,
): CartographError {
  const options = {
    cause: error.cause ?? error,
    location: 'location' in change ? change.location : error.location,
    related: 'related' in change ? change.related : error.related,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  };
  if (error instanceof StateError) return new StateError(error.code, message, options);
  if (error instanceof ConfigError) return new ConfigError(error.code, message, options);
  if (error instanceof GraphError) return new GraphError(error.code, message, options);
  return new CartographError(error.code, message, options);
}

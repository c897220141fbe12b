/**
 * The targets of the state commands (`show`, `get`, `set` …): their tokens select objects of
 * the suite, turned into state targets.
 */
import { ConfigError, UsageError } from '../errors.js';
import { type BoundNode, loadObjects, type NodeGraph } from '../graph/index.js';
import { nodeTargets, vmTargetOf } from '../scheduler/index.js';
import type { ImageTarget, StateTarget, VmTarget } from '../states/index.js';
import { checkObjects, distinctProblems, problemsError } from './suite-check/index.js';
import type { LoadedGraph } from './suite.js';

/** The `KEY=VALUE` tokens of a state command, sorted by what they do. */
export interface StateTokens {
  /** `vms=vm1,vm2`: the vms to load (default: the config's `vms`). */
  vms: string[] | undefined;
  /** `only_<vm>=FILTER`, per vm, in order. */
  only: Map<string, string[]>;
  /** `no_<vm>=FILTER`, per vm, in order. */
  no: Map<string, string[]>;
  /** Every other token: assignments applied after the objects config. */
  assignments: [string, string][];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/**
 * Sorts command-line tokens: `vms=` selects vms (commas or spaces), `only_<vm>=` and
 * `no_<vm>=` narrow a vm's variants, anything else `KEY=VALUE` overrides a parameter
 * (`set_state_images=customize`). A token without `=` or with a bad key is a usage error.
 */
export function parseStateTokens(tokens: readonly string[]): StateTokens {
  const result: StateTokens = { vms: undefined, only: new Map(), no: new Map(), assignments: [] };
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? '' : token.slice(0, eq);
    if (!KEY.test(key)) {
      throw new UsageError('USAGE', `expected KEY=VALUE, got "${token}"`);
    }
    const value = token.slice(eq + 1);
    if (key === 'vms') {
      result.vms = value.split(/[\s,]+/).filter((v) => v !== '');
    } else if (key.startsWith('only_') && key.length > 5) {
      push(result.only, key.slice(5), value);
    } else if (key.startsWith('no_') && key.length > 3) {
      push(result.no, key.slice(3), value);
    } else {
      result.assignments.push([key, value]);
    }
  }
  return result;
}

/** The objects of a state command, as state targets, vm by vm. */
export interface StateTargets {
  /** Every vm variant with its images, in config order. */
  readonly vms: readonly VmTarget[];
  /** Every image, in config order. */
  readonly images: readonly ImageTarget[];
  /** Per vm variant its images, then the vm itself (the order get/set/unset work in). */
  readonly all: readonly (ImageTarget | VmTarget)[];
}

/**
 * Loads the objects config with the command's tokens and turns its objects into targets whose
 * params are scoped the avocado-i2n way (`…_images` / `…_vms` and the object's suffixes). A
 * vm without variants (unknown, or filtered away) is a config error rather than silence.
 */
export function stateTargets(file: string, cwd: string, tokens: StateTokens): StateTargets {
  const objects = loadObjects({
    file,
    cwd,
    assignments: tokens.assignments,
    ...(tokens.vms === undefined ? {} : { vms: tokens.vms }),
    only: tokens.only,
    no: tokens.no,
  });
  // Every parameter an operation would read, checked before any runs (as run and plan do).
  const problems = checkObjects(objects, { cwd });
  if (problems.length > 0) throw problemsError(distinctProblems(problems));
  const vms: VmTarget[] = [];
  const images: ImageTarget[] = [];
  const all: (ImageTarget | VmTarget)[] = [];
  for (const [name, variants] of objects.vms) {
    if (variants.length === 0) {
      throw new ConfigError(
        'CFG_BAD_VALUE',
        `vm "${name}" has no variants in ${file}${tokens.only.has(name) || tokens.no.has(name) ? ' that pass only_/no_ filters' : ''}`,
      );
    }
    for (const vm of variants) {
      const target = vmTargetOf(vm, vm.params);
      vms.push(target);
      images.push(...target.images);
      all.push(...target.images, target);
    }
  }
  return { vms, images, all };
}

/**
 * The objects of the configs as state targets, for commands that look at every state kept
 * (verify, gc): every vm variant with its images under the objects' own params, and again
 * with each node's params over them (a node may keep its states elsewhere, e.g.
 * `states_images = qcow2ext` in the nodes config).
 */
export function graphStateTargets(loaded: LoadedGraph, graph: NodeGraph): StateTarget[] {
  const targets: StateTarget[] = [];
  for (const variants of loaded.objects.vms.values()) {
    for (const vm of variants) targets.push(vmTargetOf(vm, vm.params));
  }
  for (const id of graph.order) {
    for (const { target } of nodeTargets(graph.nodes.get(id) as BoundNode)) targets.push(target);
  }
  return targets;
}

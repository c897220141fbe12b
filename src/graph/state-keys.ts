/**
 * State keys (design.md "state key"): a hash of everything that decides whether a cached state
 * is still valid — the producing node's own parameters, the parameters of the objects it
 * works on, its command, and the keys of the states it started from. A change high in a
 * chain therefore changes every key below it. Parameters that only steer the orchestration
 * (policies, pools, paths, job counts, logs) are left out; a config can add more names or
 * patterns to leave out with `state_key_ignore`.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { Params } from '../params/index.js';
import { type ParamValue, pyStr } from '../parser/index.js';
import type { BoundNode, NodeGraph, StateRequest } from './build-graph.js';

/** A state of one object variant: what a node gets or sets. */
export interface StateRef {
  /** `vms` (a vm state: disk and RAM of the running vm) or `images` (a disk state). */
  readonly type: 'vms' | 'images';
  /** Object id: `vm1-fedora` or `vm1-fedora/image1`. */
  readonly objectId: string;
  readonly state: string;
}

/** Root states are made by the backends (create the image, boot the vm), not by nodes. */
export const ROOT_STATES: ReadonlySet<string> = new Set(['root', '0root', 'boot', '0boot']);

export function stateRefKey(ref: StateRef): string {
  return `${ref.type}:${ref.objectId}:${ref.state}`;
}

/** Version of the key recipe; bump it when what goes into a key changes. */
export const STATE_KEY_VERSION = 1;

/**
 * Parameters never part of a key, because they say how to run, not what a state contains.
 * Each entry is a name or a `/regex/`.
 */
export const ORCHESTRATION_PARAMS: readonly string[] = [
  // The Cartesian bookkeeping of a dict (names move when files or variants are renamed).
  'name',
  'shortname',
  'dep',
  '_name_map_file',
  '_short_name_map_file',
  // Which states a node gets and sets: their identities, not their contents (the keys of the
  // states a node starts from are part of its key on their own).
  '/^(get|set|unset|push|pop|check|show)_state(_.*)?$/',
  '/^get(_.*)?$/',
  // Policies.
  '/^(get|set|unset|push|pop|check|show)_mode(_.*)?$/',
  // Where and how states are stored, not what they hold.
  '/^states(_.*)?$/',
  '/^swarm_pool(_.*)?$/',
  '/^images_base_dir(_.*)?$/',
  '/^run_dir(_.*)?$/',
  // Where the active image lives: internal states move with it, external ones do not care.
  '/^image_name(_.*)?$/',
  '/^raw_image_dir(_.*)?$/',
  // How to reach a running guest and how long to wait for it: not what a state holds.
  '/^guest_(access|username|password|ssh_key|forwards|boot_timeout|shutdown_timeout|shutdown_command)(_.*)?$/',
  '/^(login|password|shell)_prompt(_.*)?$/',
  // Scheduling, logging and selection.
  'jobs',
  'max_tries',
  'reuse_stale',
  'state_key_ignore',
  'lock_timeout',
  '/^log(_.*)?$/',
  '/^(only|no)(_.*)?$/',
  'vms',
  'main_vm',
];

/** What went into a key, kept in the state's manifest so `plan --explain` can compare. */
export interface KeyInputs {
  readonly version: number;
  /** The node's parameters and, per object id, the object's (both without ignored keys). */
  readonly params: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly command: string;
  /** Keys of the states the node started from, by `state@object`. */
  readonly parents: Readonly<Record<string, string>>;
}

export interface StateKey {
  readonly key: string;
  readonly inputs: KeyInputs;
}

/** Expected keys of every state the graph's nodes set, and of the root states they get. */
export function computeStateKeys(graph: NodeGraph): Map<string, StateKey> {
  const keys = new Map<string, StateKey>();
  for (const id of graph.order) {
    const node = graph.nodes.get(id) as BoundNode;
    const parents: Record<string, string> = {};
    for (const get of node.gets) {
      let parent = keys.get(stateRefKey(get));
      if (parent === undefined && ROOT_STATES.has(get.state)) {
        parent = rootKey(get);
        keys.set(stateRefKey(get), parent);
      }
      if (parent !== undefined) parents[refLabel(get)] = parent.key;
    }
    const inputs = nodeInputs(node, parents);
    const key: StateKey = { key: hash(inputs), inputs };
    for (const set of node.sets) keys.set(stateRefKey(set), key);
  }
  return keys;
}

/** One difference between how a state was made and how it would be made now. */
export interface KeyChange {
  /** The parameter, `command`, or `state S@O` for a state it started from. */
  readonly param: string;
  /** `node`, an object id, or `parents`. */
  readonly scope: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/** Parameter names whose values differ between two key inputs, with old and new values. */
export function keyChanges(before: KeyInputs, after: KeyInputs): KeyChange[] {
  const out: KeyChange[] = [];
  if (before.version !== after.version) {
    out.push({
      param: 'key recipe version',
      scope: 'node',
      before: String(before.version),
      after: String(after.version),
    });
  }
  const scopes = new Set([...Object.keys(before.params), ...Object.keys(after.params)]);
  for (const scope of scopes) {
    const a = before.params[scope] ?? {};
    const b = after.params[scope] ?? {};
    for (const param of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[param] !== b[param]) out.push({ param, scope, before: a[param], after: b[param] });
    }
  }
  if (before.command !== after.command) {
    out.push({ param: 'command', scope: 'node', before: before.command, after: after.command });
  }
  for (const parent of new Set([...Object.keys(before.parents), ...Object.keys(after.parents)])) {
    if (before.parents[parent] !== after.parents[parent]) {
      out.push({
        param: `state ${parent}`,
        scope: 'parents',
        before: before.parents[parent],
        after: after.parents[parent],
      });
    }
  }
  return out;
}

function nodeInputs(node: BoundNode, parents: Record<string, string>): KeyInputs {
  const ignore = ignored(node.variant.params);
  const params: Record<string, Record<string, string>> = {
    // The command is an input of its own (`command`), not one of the node's parameters.
    node: filtered(node.variant.params, (k) => k === 'command' || ignore(k)),
  };
  for (const vm of node.vms) params[vm.id] = filtered(vm.params, ignore);
  return {
    version: STATE_KEY_VERSION,
    params,
    command: node.variant.params.get('command') ?? '',
    parents,
  };
}

/** A root state is made from the object's own parameters (size, format, raw image). */
function rootKey(get: StateRequest): StateKey {
  const p = get.params;
  const pick: Record<string, string> = {};
  for (const k of ['image_size', 'image_format', 'raw_image', 'mem']) {
    const v = p.get(k);
    if (v !== undefined) pick[k] = v;
  }
  const inputs: KeyInputs = {
    version: STATE_KEY_VERSION,
    params: { [get.objectId]: pick },
    command: `root:${get.state}`,
    parents: {},
  };
  return { key: hash(inputs), inputs };
}

type Matcher = (key: string) => boolean;

function ignored(params: Params): Matcher {
  const extra = params.objects('state_key_ignore');
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of [...ORCHESTRATION_PARAMS, ...extra]) {
    if (entry.length > 2 && entry.startsWith('/') && entry.endsWith('/')) {
      try {
        patterns.push(new RegExp(entry.slice(1, -1)));
      } catch (e) {
        throw new ConfigError(
          'CFG_BAD_VALUE',
          `state_key_ignore: ${entry} is not a valid pattern`,
          {
            cause: e,
          },
        );
      }
    } else names.add(entry);
  }
  return (key) => names.has(key) || patterns.some((re) => re.test(key));
}

function filtered(params: Params, ignore: Matcher): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = [...params.keys()].filter((k) => !ignore(k)).sort();
  for (const k of keys) out[k] = pyStr(params.value(k) as ParamValue);
  return out;
}

function hash(inputs: KeyInputs): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
}

function refLabel(ref: StateRef): string {
  return `${ref.state}@${ref.objectId}`;
}

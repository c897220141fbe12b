/**
 * The checks of one state target's parameters, as `run` will read them: the readers of the
 * states module itself (`backendFor`, `parsePolicy`, `imageFormatOf`, `imagePath`, `poolDir`,
 * `vmHardware`, `guestAccessOf`) run once, before anything runs, and what they refuse is
 * collected instead of thrown; sizes and paths are checked here the way QEMU and the file
 * system will take them.
 */
import { isAbsolute, resolve, sep } from 'node:path';
import { ROOT_STATE_NAMES as ROOT_STATES } from '../../params/index.js';
import { CartographError, ConfigError } from '../../errors.js';
import type { Params } from '../../params/index.js';
import {
  EXCLUSIVE_TEMP_EXTRA_BYTES,
  NAME_MAX,
  type PathProblem,
  pathProblem,
  type StatFn,
  TEMP_NAME_EXTRA_BYTES,
} from '../../shared/index.js';
import {
  backendFor,
  guestAccessOf,
  type ImageTarget,
  imageFormatOf,
  imagePath,
  parsePolicy,
  type PolicyKind,
  poolDir,
  type StateTarget,
  vmHardware,
  type VmTarget,
} from '../../states/index.js';

/** One problem with a parameter of a target (or of a node). */
export interface Finding {
  /** The target whose params hold it; `undefined` for a node's own parameters. */
  readonly target?: StateTarget;
  /** The parameter as the code reads it, scoped (`set_mode` for `set_mode_images`). */
  readonly param: string | undefined;
  /** Its value, when it has one. */
  readonly value: string | undefined;
  readonly error: CartographError;
}

/** The policy parameters and the kinds of policy that read them. */
const POLICIES: readonly (readonly [string, readonly PolicyKind[]])[] = [
  ['get_mode', ['get']],
  ['set_mode', ['set']],
  ['unset_mode', ['unset']],
  ['check_mode', ['root']],
  ['push_mode', ['set']],
  // One pop_mode drives both the get and the unset of a pop.
  ['pop_mode', ['get', 'unset']],
];

/** Parameters read as yes/no by the states module and the scheduler. */
const BOOLEANS = ['unset_dependents', 'reuse_stale'] as const;

/**
 * The most bytes the files beside an image add to its name: the temporary file of its lock
 * (`.<image>.lock` made by `createExclusive`), longer than its own temporary twin (`tempPath`)
 * and its records (`.<image>.states`).
 */
const IMAGE_ROOM = Math.max(
  '.'.length + '.lock'.length + EXCLUSIVE_TEMP_EXTRA_BYTES,
  TEMP_NAME_EXTRA_BYTES,
  '.'.length + '.states'.length,
);

/** `qemu-img create` sizes: bytes, or a number with k, M, G, T, P or E (case does not matter). */
const SIZE = /^(?:0x[0-9a-f]+|\d+(?:\.\d+)?)\s*[bkmgtpe]?$/i;

/** Options of the checks: where relative paths resolve, and caches of path lookups. */
export interface CheckOptions {
  readonly cwd: string;
  /** Path problems by path and kind: many targets share their paths. */
  readonly paths: Map<string, PathProblem | undefined>;
  /** How paths are looked at (`cachedStat`: many targets share their directories). */
  readonly stat?: StatFn;
}

/** Every problem of a target's parameters; a vm's images are checked with it. */
export function checkTarget(target: StateTarget, options: CheckOptions): Finding[] {
  const about = (t: StateTarget, found: Finding[]): Finding[] =>
    found.map((f) => ({ ...f, target: t }));
  return target.kind === 'images'
    ? about(target, checkImage(target, options))
    : [
        ...about(target, checkVm(target, options)),
        ...target.images.flatMap((i) => about(i, checkImage(i, options))),
      ];
}

function checkVm(target: VmTarget, options: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const p = target.params;
  attempt(out, 'states', p, () => backendFor(target));
  attempt(out, undefined, p, () => vmHardware(target, options.cwd));
  attempt(out, undefined, p, () => guestAccessOf(target));
  checkPolicies(out, target);
  checkBooleans(out, target.params);
  checkVmStatesKept(out, target);
  return out;
}

/**
 * A qcow2vt vm state lives inside the vm's active images, and a qcow2ext image state's get
 * replaces the active image with a new overlay: a vm that gets or sets qcow2vt states while
 * its images keep qcow2ext states would lose them silently. `ramfile` keeps vm states in the
 * pool beside the image states instead.
 */
function checkVmStatesKept(out: Finding[], target: VmTarget): void {
  const p = target.params;
  const used = ['set_state', 'get_state']
    .map((key) => [key, p.get(key)?.trim() ?? ''] as const)
    .find(([, state]) => state !== '' && !ROOT_STATES.has(state));
  if (used === undefined || (p.get('states') ?? 'qcow2vt') !== 'qcow2vt') return;
  const external = target.images.filter((i) => i.params.get('states') === 'qcow2ext');
  if (external.length === 0) return;
  const [key, state] = used;
  out.push(
    bad(
      key,
      state,
      `${key}_vms = ${JSON.stringify(state)} of ${target.id}: a qcow2vt vm state lives inside the images, but ${external.map((i) => i.id).join(', ')} keep qcow2ext states, whose get replaces the image: the vm state would be lost`,
      'use states_vms = ramfile (vm states as files in the pool, beside the image states), or states_images = qcow2',
    ),
  );
}

function checkImage(target: ImageTarget, options: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const p = target.params;
  const backend = attempt(out, 'states', p, () => backendFor(target));
  const format = attempt(out, 'image_format', p, () => imageFormatOf(target));
  checkPolicies(out, target);
  checkBooleans(out, p);
  const size = p.get('image_size')?.trim();
  if (size !== undefined && size !== '' && !validSize(size)) {
    out.push(
      bad(
        'image_size',
        size,
        `image_size = ${JSON.stringify(shorten(size))} of ${target.id}: not a size qemu-img takes`,
        'bytes, or a number with k, M, G, T, P or E (64M, 1.5G), below 8 EiB',
      ),
    );
  }
  const compression = p.get('convert_compression');
  if (compression !== undefined && !['zstd', 'zlib', 'none'].includes(compression)) {
    out.push(
      bad(
        'convert_compression',
        compression,
        `convert_compression = ${JSON.stringify(shorten(compression))} of ${target.id}: must be zstd, zlib or none`,
      ),
    );
  }
  if (format !== undefined) {
    const image = attempt(out, 'image_name', p, () => imagePath(target, options.cwd));
    if (image !== undefined) {
      const param = imageParam(target, image, options.cwd);
      checkPath(out, target, options, image, 'file', IMAGE_ROOM, param);
    }
  }
  const raw = p.get('raw_image');
  if (raw !== undefined && raw !== '') {
    const dir = p.get('raw_image_dir');
    if (dir !== undefined && dir !== '') {
      checkPath(out, target, options, resolve(options.cwd, dir), 'directory', 0, 'raw_image_dir');
    }
    checkPath(out, target, options, resolve(options.cwd, dir ?? '.', raw), 'file', 0, 'raw_image');
  }
  if (backend?.name === 'qcow2ext' || (p.get('swarm_pool') ?? '') !== '') {
    const pool = attempt(out, 'swarm_pool', p, () => poolDir(target, options.cwd));
    // Inside the pool directory: state files, whose longest name takes all of NAME_MAX.
    if (pool !== undefined) {
      checkPath(out, target, options, pool, 'directory', 1 + NAME_MAX, 'swarm_pool');
    }
  }
  return out;
}

/** Runs a reader of the states module; what it throws becomes a finding about `param`. */
function attempt<T>(
  out: Finding[],
  param: string | undefined,
  params: Params,
  read: () => T,
): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof CartographError)) throw error;
    // The vm hardware and guest access readers name the parameter first: `mem = "x" of vm1: …`.
    const named = param === undefined ? namedParam(error.message) : undefined;
    const key = param ?? named?.param;
    out.push({
      param: key,
      value: named?.value ?? (key === undefined ? undefined : params.get(key)),
      error: error as CartographError,
    });
    return undefined;
  }
}

/** The parameter and value a message starts with (`mem = "lots" of vm1: …`), if it does. */
export function namedParam(message: string): { param: string; value: string } | undefined {
  const m = /^([A-Za-z0-9_]+) = ("(?:[^"\\]|\\.)*")/.exec(message);
  if (m === null) return undefined;
  try {
    return { param: m[1] as string, value: JSON.parse(m[2] as string) as string };
  } catch {
    return undefined;
  }
}

function checkPolicies(out: Finding[], target: StateTarget): void {
  for (const [param, kinds] of POLICIES) {
    if (target.params.get(param) === undefined) continue;
    for (const kind of kinds) {
      const before = out.length;
      attempt(out, param, target.params, () => parsePolicy(target, kind, param, ''));
      if (out.length > before) break;
    }
  }
}

function checkBooleans(out: Finding[], params: Params): void {
  for (const key of BOOLEANS) {
    attempt(out, key, params, () => params.getBoolean(key));
  }
}

function validSize(size: string): boolean {
  if (!SIZE.test(size)) return false;
  const units = 'bkmgtpe';
  const m = /^(.*?)\s*([bkmgtpe]?)$/i.exec(size);
  const unit = units.indexOf((m?.[2] ?? '').toLowerCase());
  const bytes = Number(m?.[1] ?? '') * 1024 ** Math.max(0, unit);
  return Number.isFinite(bytes) && bytes < 2 ** 63;
}

/**
 * The parameter an image path problem comes from: `images_base_dir` when the problem is at
 * the base directory or above it, else `image_name`.
 */
function imageParam(target: ImageTarget, image: string, cwd: string): (at: string) => string {
  const name = target.params.get('image_name') ?? '';
  const base = target.params.get('images_base_dir') ?? '';
  if (isAbsolute(name) || base === '') return () => 'image_name';
  const baseDir = resolve(cwd, base);
  return (at) =>
    at !== image && (baseDir === at || baseDir.startsWith(at + sep) || at === '')
      ? 'images_base_dir'
      : 'image_name';
}

function checkPath(
  out: Finding[],
  target: StateTarget,
  options: CheckOptions,
  path: string,
  kind: 'directory' | 'file',
  room: number,
  param: string | ((at: string) => string),
): void {
  const cacheKey = `${kind}:${room}:${path}`;
  let problem: PathProblem | undefined;
  if (options.paths.has(cacheKey)) problem = options.paths.get(cacheKey);
  else {
    problem = pathProblem(path, kind, room, options.stat);
    options.paths.set(cacheKey, problem);
  }
  if (problem === undefined) return;
  const key = typeof param === 'string' ? param : param(problem.at);
  const value = target.params.get(key);
  out.push({
    param: key,
    value,
    error: new ConfigError(
      'CFG_BAD_PATH',
      `${key} = ${JSON.stringify(shorten(value ?? ''))} of ${target.id}: ${problem.why}`,
    ),
  });
}

function bad(param: string, value: string, message: string, hint?: string): Finding {
  return {
    param,
    value,
    error: new ConfigError('CFG_BAD_VALUE', message, hint === undefined ? {} : { hint }),
  };
}

/** A value for a message: long ones keep their start and end. */
export function shorten(value: string): string {
  return value.length <= 80 ? value : `${value.slice(0, 50)}…${value.slice(-20)}`;
}

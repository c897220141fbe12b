/**
 * The state backend interface and its lookup: which backend an object uses
 * (`states_images`, `states_vms`) and what each operation of a backend must do.
 */
import { StateError } from '../../errors.js';
import type { ResolvedContext } from '../ops/index.js';
import type { StateTarget } from '../target.js';
import { qcow2Backend } from './qcow2.js';
import { qcow2extBackend } from './qcow2ext.js';
import { qcow2vtBackend } from './qcow2vt.js';
import { ramfileBackend } from './ramfile.js';

/**
 * The state backends: `qcow2` (internal disk snapshots), `qcow2ext` (external overlay files in
 * a pool) for images; `qcow2vt` (vm snapshots with RAM through QMP, inside the images) and
 * `ramfile` (the RAM as a migration stream in the pool, beside qcow2ext image states) for vms.
 */
export type BackendName = 'qcow2' | 'qcow2ext' | 'qcow2vt' | 'ramfile';

/** One state as `show` lists it. Which fields are set depends on the backend. */
export interface StateInfo {
  /** The state name (snapshot tag or pool file name without `.qcow2`). */
  readonly name: string;
  /** Bytes of saved RAM (qcow2vt; on the first image). */
  readonly vmStateBytes?: number;
  /** Size of the state's file on the host (qcow2ext). */
  readonly fileBytes?: number;
  /** When it was made (ISO 8601). */
  readonly date?: string;
}

/**
 * What a backend calls right before it starts to change a state (after every check that can
 * refuse): the policy layer then writes the state's in-progress marker. Until then nothing has
 * changed, and a refusal leaves the state (and its manifest) as it was. An unset names the
 * states it removes with the one asked for (`unset_dependents`).
 */
export type BeginWrite = (info?: { readonly dependents?: readonly string[] }) => Promise<void>;

/**
 * One way of storing states of one kind of object. The policy layer decides what to do and
 * holds the object's locks; a backend only does it. Methods that change something resolve
 * with a short description of how, when that is worth reporting.
 */
export interface StateBackend<T extends StateTarget = StateTarget> {
  readonly name: BackendName;
  /** The object kind it stores states of. */
  readonly kind: T['kind'];
  /** The states there are (roots not included). */
  show(target: T, ctx: ResolvedContext): Promise<StateInfo[]>;
  /** Whether `state` (not a root) exists. Read-only and cheap. */
  exists(target: T, state: string, ctx: ResolvedContext): Promise<boolean>;
  /** Brings the object back to `state`, which exists. */
  get(target: T, state: string, ctx: ResolvedContext): Promise<string | undefined>;
  /**
   * Saves the object as `state`; `overwrite` when it exists and a policy said so. Calls `begin`
   * right before it changes anything (see `BeginWrite`).
   */
  set(
    target: T,
    state: string,
    overwrite: boolean,
    ctx: ResolvedContext,
    begin: BeginWrite,
  ): Promise<string | undefined>;
  /** Removes `state`, which exists; calls `begin` right before it changes anything. */
  unset(
    target: T,
    state: string,
    ctx: ResolvedContext,
    begin: BeginWrite,
  ): Promise<string | undefined>;
  /** Whether the root is there: the image exists (its vm off), or the vm runs. */
  checkRoot(target: T, ctx: ResolvedContext): Promise<boolean>;
  /** Gets the root: nothing to do for any backend (it exists, and reusing it is all). */
  getRoot(target: T, ctx: ResolvedContext): Promise<void>;
  /** Makes the root: creates (or converts) the image, or boots the vm. */
  setRoot(target: T, ctx: ResolvedContext): Promise<string | undefined>;
  /** Removes the root: deletes the image, or stops the vm. */
  unsetRoot(target: T, ctx: ResolvedContext): Promise<string | undefined>;
}

/** A backend bound to one target (see `StateBackend` for what each method does). */
export interface TargetBackend {
  readonly name: BackendName;
  show(ctx: ResolvedContext): Promise<StateInfo[]>;
  exists(state: string, ctx: ResolvedContext): Promise<boolean>;
  get(state: string, ctx: ResolvedContext): Promise<string | undefined>;
  set(
    state: string,
    overwrite: boolean,
    ctx: ResolvedContext,
    begin: BeginWrite,
  ): Promise<string | undefined>;
  unset(state: string, ctx: ResolvedContext, begin: BeginWrite): Promise<string | undefined>;
  checkRoot(ctx: ResolvedContext): Promise<boolean>;
  getRoot(ctx: ResolvedContext): Promise<void>;
  setRoot(ctx: ResolvedContext): Promise<string | undefined>;
  unsetRoot(ctx: ResolvedContext): Promise<string | undefined>;
}

function bind<T extends StateTarget>(backend: StateBackend<T>, target: T): TargetBackend {
  return {
    name: backend.name,
    show: (ctx) => backend.show(target, ctx),
    exists: (state, ctx) => backend.exists(target, state, ctx),
    get: (state, ctx) => backend.get(target, state, ctx),
    set: (state, overwrite, ctx, begin) => backend.set(target, state, overwrite, ctx, begin),
    unset: (state, ctx, begin) => backend.unset(target, state, ctx, begin),
    checkRoot: (ctx) => backend.checkRoot(target, ctx),
    getRoot: (ctx) => backend.getRoot(target, ctx),
    setRoot: (ctx) => backend.setRoot(target, ctx),
    unsetRoot: (ctx) => backend.unsetRoot(target, ctx),
  };
}

/**
 * The backend of a target, from its scoped `states` parameter (`states_images` /
 * `states_vms`): `qcow2` (default) or `qcow2ext` for images, `qcow2vt` (default) or `ramfile`
 * for vms.
 * Anything else is `STATE_BAD_BACKEND` naming the object and the value.
 */
export function backendFor(target: StateTarget): TargetBackend {
  const name = target.params.get('states');
  if (target.kind === 'images') {
    if (name === undefined || name === '' || name === 'qcow2') return bind(qcow2Backend, target);
    if (name === 'qcow2ext') return bind(qcow2extBackend, target);
  } else if (name === undefined || name === '' || name === 'qcow2vt') {
    return bind(qcow2vtBackend, target);
  } else if (name === 'ramfile') {
    return bind(ramfileBackend, target);
  }
  throw new StateError(
    'STATE_BAD_BACKEND',
    `states = "${name}" for ${target.id}: ${
      target.kind === 'images'
        ? 'image states use qcow2 or qcow2ext'
        : 'vm states use qcow2vt or ramfile'
    }`,
  );
}

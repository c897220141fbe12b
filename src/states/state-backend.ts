import type { BackendName } from './backend-name.js';
import type { BeginWrite } from './begin-write.js';
import type { ResolvedContext } from './resolved-context.js';
import type { StateInfo } from './state-info.js';
import type { StateTarget } from './state-target.js';

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

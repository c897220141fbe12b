import { StateError } from '../errors.js';
import { qcow2Backend } from './qcow2-backend.js';
import { qcow2extBackend } from './qcow2ext-backend.js';
import { qcow2vtBackend } from './qcow2vt-backend.js';
import type { StateBackend } from './state-backend.js';
import type { StateTarget } from './state-target.js';
import type { TargetBackend } from './target-backend.js';

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
 * `states_vms`): `qcow2` (default) or `qcow2ext` for images, `qcow2vt` (default) for vms.
 * Anything else is `STATE_BAD_BACKEND` naming the object and the value.
 */
export function backendFor(target: StateTarget): TargetBackend {
  const name = target.params.get('states');
  if (target.kind === 'images') {
    if (name === undefined || name === '' || name === 'qcow2') return bind(qcow2Backend, target);
    if (name === 'qcow2ext') return bind(qcow2extBackend, target);
  } else if (name === undefined || name === '' || name === 'qcow2vt') {
    return bind(qcow2vtBackend, target);
  }
  throw new StateError(
    'STATE_BAD_BACKEND',
    `states = "${name}" for ${target.id}: ${
      target.kind === 'images' ? 'image states use qcow2 or qcow2ext' : 'vm states use qcow2vt'
    }`,
  );
}

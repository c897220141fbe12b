import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ImageTarget } from './state-target.js';

/**
 * The directory of an image's external states: `<swarm_pool>/<vm object id>/<image>`
 * (each state is `<state>.qcow2` in it). `swarm_pool` is required; relative to `cwd`.
 */
export function poolDir(target: ImageTarget, cwd: string): string {
  const pool = target.params.get('swarm_pool');
  if (pool === undefined || pool === '') {
    throw new ConfigError(
      'CFG_MISSING_PARAM',
      `swarm_pool of ${target.id} is not set (qcow2ext keeps its states there)`,
    );
  }
  return resolve(cwd, join(pool, target.vmId, target.name));
}

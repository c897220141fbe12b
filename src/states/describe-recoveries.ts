import type { Recovery } from './recovery.js';

/** What recoveries did, for a result's detail; `undefined` when there were none. */
export function describeRecoveries(recovered: readonly Recovery[]): string | undefined {
  if (recovered.length === 0) return undefined;
  return recovered
    .map(
      (r) =>
        `${r.done ? 'cleaned up' : 'could not clean up'} ${r.kind === 'vms' ? 'vm' : 'image'} state "${r.state}" of ${r.target} (${r.detail})`,
    )
    .join('; ');
}

import type { LockHolder } from './lock-holder.js';

/** `pid 4242 on host1 (cartograph run …) since 2026-…`: who holds a lock, for messages. */
export function describeLockHolder(holder: LockHolder): string {
  const owner = holder.owner === '' ? '' : ` (${holder.owner})`;
  return `pid ${holder.pid} on ${holder.host}${owner} since ${holder.startedAt}`;
}

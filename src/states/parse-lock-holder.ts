import { createHash } from 'node:crypto';
import type { LockHolder } from './lock-holder.js';
import { processIdentity } from './process-identity.js';

const optional = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The holder recorded in a lock file or marker. Content that is not a holder (a file damaged
 * or written by hand) yields a holder on this host with pid 0, which counts as dead, so that
 * such a file never blocks forever; its token is a hash of the content, so it is recognised
 * again.
 */
export function parseLockHolder(text: string, fallbackTime: string): LockHolder {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (
      typeof v.pid === 'number' &&
      Number.isSafeInteger(v.pid) &&
      typeof v.host === 'string' &&
      typeof v.token === 'string' &&
      v.token !== ''
    ) {
      return {
        pid: v.pid,
        host: v.host,
        owner: optional(v.owner) ?? '',
        startedAt: optional(v.startedAt) ?? fallbackTime,
        token: v.token,
        boot: optional(v.boot),
        pidns: optional(v.pidns),
        start: typeof v.start === 'number' ? v.start : undefined,
      };
    }
  }
  return {
    pid: 0,
    host: processIdentity().host,
    owner: 'unreadable lock file',
    startedAt: fallbackTime,
    token: createHash('sha256').update(text).digest('hex').slice(0, 32),
  };
}

import { randomBytes } from 'node:crypto';

/** A fresh random token for a lock or a write. */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

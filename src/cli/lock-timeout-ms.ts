/** `--lock-timeout SECONDS` (run, verify, gc) as milliseconds; `undefined` when not given. */
import { UsageError } from '../errors.js';

export function lockTimeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError('USAGE', `--lock-timeout needs a number of seconds, not "${value}"`);
  }
  return seconds * 1000;
}

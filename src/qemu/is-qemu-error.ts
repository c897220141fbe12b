import { QemuError } from '../errors.js';
import type { QemuErrorCode } from '../errors.js';

/** Whether `error` is a {@link QemuError} with one of the given codes (any code if none given). */
export function isQemuError(
  error: unknown,
  ...codes: readonly QemuErrorCode[]
): error is QemuError {
  return error instanceof QemuError && (codes.length === 0 || codes.includes(error.code));
}

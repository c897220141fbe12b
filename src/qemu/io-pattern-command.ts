import { QemuError } from '../errors.js';

const AMOUNT = /^\d+[kmgtKMGT]?$/;

function amount(value: number | string, what: string): string {
  const text = String(value);
  if ((typeof value === 'number' && !Number.isSafeInteger(value)) || !AMOUNT.test(text)) {
    throw new QemuError('QEMU_BAD_ARGUMENT', `qemu-io ${what} ${JSON.stringify(value)}`);
  }
  return text;
}

/**
 * A qemu-io command that writes (`write -P`) or verifies (`read -P`) a one-byte pattern over a
 * range, e.g. `ioPatternCommand('read', 0xab, 0, '1M')` → `read -P 0xab 0 1M`. Offsets and
 * lengths are bytes or sizes with a k/M/G/T suffix.
 */
export function ioPatternCommand(
  op: 'write' | 'read',
  pattern: number,
  offset: number | string,
  length: number | string,
): string {
  if (!Number.isInteger(pattern) || pattern < 0 || pattern > 0xff) {
    throw new QemuError('QEMU_BAD_ARGUMENT', `qemu-io pattern ${pattern} is not a byte`);
  }
  const hex = pattern.toString(16).padStart(2, '0');
  return `${op} -P 0x${hex} ${amount(offset, 'offset')} ${amount(length, 'length')}`;
}

import { QemuError } from '../errors.js';
import { escapeQemuOptionValue } from './escape-qemu-option-value.js';

/** Format-specific creation options (`-o key=value,…`), e.g. `{ cluster_size: '2M' }`. */
export type CreationOptions = Readonly<Record<string, string | number | boolean>>;

const KEY = /^[a-z][a-z0-9_.-]*$/;

/** The `-o` argument for qemu-img create/convert, or `undefined` when there is nothing to set. */
export function creationOptionsArg(options: CreationOptions | undefined): string | undefined {
  if (options === undefined) return undefined;
  const parts = Object.entries(options).map(([key, value]) => {
    if (!KEY.test(key)) {
      throw new QemuError('QEMU_BAD_ARGUMENT', `image creation option name ${JSON.stringify(key)}`);
    }
    const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
    return `${key}=${escapeQemuOptionValue(text)}`;
  });
  return parts.length === 0 ? undefined : parts.join(',');
}

import { resolve } from 'node:path';
import { escapeQemuOptionValue } from './escape-qemu-option-value.js';

/**
 * An `--image-opts` string that opens `path` as qcow2 without format probing. `qemu-img
 * snapshot` has no `-f`; probing would read whatever the file's first bytes claim.
 */
export function qcow2ImageOpts(path: string): string {
  return `driver=qcow2,file.driver=file,file.filename=${escapeQemuOptionValue(resolve(path))}`;
}

import { resolve } from 'node:path';
import type { ImageFormat } from './image-format.js';
import { parseCheckResult } from './parse-check-result.js';
import type { CheckResult } from './parse-check-result.js';
import { parseJsonOutput } from './parse-json-output.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/** Options of {@link checkImage}. */
export interface CheckImageOptions extends QemuCallOptions {
  /** Format to check the image as; never probed. @default 'qcow2' */
  format?: ImageFormat | undefined;
  /**
   * Repair what is found (`-r`): `leaks` frees leaked clusters only (always safe), `all` also
   * fixes corruptions (may lose data that was already inconsistent). Needs the write lock.
   */
  repair?: 'leaks' | 'all' | undefined;
  /** Check an image another process holds (`-U`); not with `repair`. @default false */
  forceShare?: boolean | undefined;
}

/**
 * `qemu-img check --output=json`. Corruption (exit code 2), leaks (3) and an unsupported
 * format (63) are results, not exceptions; an image that cannot be opened is an error
 * (`QEMU_IMAGE_MISSING`, `QEMU_IMAGE_LOCKED`, `QEMU_FAILED` for "not in qcow2 format").
 */
export async function checkImage(
  path: string,
  options: CheckImageOptions = {},
): Promise<CheckResult> {
  const args = ['check', '--output=json', '-f', options.format ?? 'qcow2'];
  if (options.repair !== undefined) args.push('-r', options.repair);
  if (options.forceShare === true) args.push('-U');
  args.push(resolve(path));
  const result = await runQemuTool('qemu-img', args, {
    ...options,
    accept: (exitCode) => [0, 2, 3, 63].includes(exitCode),
  });
  const json = result.exitCode === 63 ? undefined : parseJsonOutput(result.stdout, result.command);
  return parseCheckResult(result.exitCode, json);
}

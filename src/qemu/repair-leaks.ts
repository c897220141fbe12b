import { checkImage } from './check-image.js';
import { isQemuError } from './is-qemu-error.js';
import type { CheckResult } from './parse-check-result.js';
import type { QemuCallOptions } from './qemu-call-options.js';

/** The outcome of repairing one image of a vm. */
export interface ImageRepair {
  file: string;
  /** `undefined` when the image no longer exists. */
  result: CheckResult | undefined;
}

/**
 * Runs `qemu-img check -r leaks` on each image of a vm that was killed (a SIGKILL right after
 * a savevm leaves leaked clusters). Images that are gone are skipped; other errors throw.
 */
export async function repairLeaks(
  files: readonly string[],
  options: QemuCallOptions = {},
): Promise<ImageRepair[]> {
  const repairs: ImageRepair[] = [];
  for (const file of files) {
    try {
      repairs.push({ file, result: await checkImage(file, { ...options, repair: 'leaks' }) });
    } catch (error) {
      if (!isQemuError(error, 'QEMU_IMAGE_MISSING')) throw error;
      repairs.push({ file, result: undefined });
    }
  }
  return repairs;
}

import { resolve } from 'node:path';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/** Options of {@link commitImage}. */
export interface CommitImageOptions extends QemuCallOptions {
  /**
   * The image in the backing chain to commit into (`-b`); all layers between it and `top` are
   * committed too. QEMU then leaves `top` as it is (`-b` implies `-d`).
   * @default the direct backing file of `top`
   */
  base?: string | undefined;
  /** Leave `top` as it is instead of emptying it (`-d`). @default false */
  drop?: boolean | undefined;
}

/**
 * `qemu-img commit`: writes the data of the qcow2 overlay `top` into its backing file (or into
 * `base`). Without `drop` or `base`, `top` is emptied but keeps its backing link.
 */
export async function commitImage(top: string, options: CommitImageOptions = {}): Promise<void> {
  const args = ['commit', '-q', '-f', 'qcow2'];
  if (options.base !== undefined) args.push('-b', resolve(options.base));
  if (options.drop === true) args.push('-d');
  args.push(resolve(top));
  await runQemuTool('qemu-img', args, options);
}

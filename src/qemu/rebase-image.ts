import { resolve } from 'node:path';
import { QemuError } from '../errors.js';
import { backingFileArg } from './backing-file-arg.js';
import type { ImageFormat } from './image-format.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { runQemuTool } from './run-qemu-tool.js';

/** Options of {@link rebaseImage}. */
export interface RebaseImageOptions extends QemuCallOptions {
  /**
   * The new backing file, or `null` for none. A relative name is stored as given and resolved
   * by QEMU against the image's directory.
   */
  backingFile: string | null;
  /** Format of the new backing file. @default 'qcow2' */
  backingFormat?: ImageFormat | undefined;
  /**
   * Only rewrite the backing link in the header (`-u`), without comparing or copying data.
   * Correct only when the new backing file has the same content as the old one (a copy or a
   * moved file); with `backingFile: null` it cuts the chain and loses the backing data.
   * Safe mode (the default) copies what differs so the guest-visible content stays the same,
   * and needs the old chain to be readable.
   * @default false
   */
  unsafe?: boolean | undefined;
}

/** `qemu-img rebase`: moves a qcow2 overlay onto another backing file, or flattens it (`null`). */
export async function rebaseImage(image: string, options: RebaseImageOptions): Promise<void> {
  const args = ['rebase', '-q', '-f', 'qcow2'];
  if (options.unsafe === true) args.push('-u');
  if (options.backingFile === null) {
    args.push('-b', '');
  } else {
    if (options.backingFile === '') {
      throw new QemuError('QEMU_BAD_ARGUMENT', 'backing file name is empty; use null for none');
    }
    args.push('-b', backingFileArg(options.backingFile), '-F', options.backingFormat ?? 'qcow2');
  }
  args.push(resolve(image));
  await runQemuTool('qemu-img', args, options);
}

/**
 * Backing chains of external overlays: reading a whole chain, committing an overlay into its
 * base and rebasing it onto another.
 */
import { resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import { backingFileArg, type ImageFormat } from './image-args.js';
import { type ImageInfo, type ImageInfoOptions, parseImageInfo } from './image-info.js';
import { parseJsonOutput, type QemuCallOptions, runQemuTool } from './run-qemu-tool.js';

/**
 * `qemu-img info --output=json --backing-chain`: the image and all its backing files, top
 * first. `format` applies to the top image; the backing files are opened with the formats
 * stored in their overlays. A missing backing file is `QEMU_IMAGE_MISSING` naming that file.
 */
export async function backingChainInfo(
  path: string,
  options: ImageInfoOptions = {},
): Promise<ImageInfo[]> {
  const args = ['info', '--output=json', '--backing-chain', '-f', options.format ?? 'qcow2'];
  if (options.forceShare === true) args.push('-U');
  const result = await runQemuTool('qemu-img', [...args, resolve(path)], options);
  const json = parseJsonOutput(result.stdout, result.command);
  if (!Array.isArray(json)) {
    throw new QemuError(
      'QEMU_FAILED',
      'unexpected qemu-img info --backing-chain output: not an array',
    );
  }
  return json.map(parseImageInfo);
}

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

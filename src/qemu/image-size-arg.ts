import { QemuError } from '../errors.js';

/** An image size: bytes, or a qemu-img size string such as `64M`, `1.5G`, `512k`. */
export type ImageSize = number | string;

const SIZE = /^\d+(?:\.\d+)?[bkmgtpe]?$/i;

/** The size argument for qemu-img; throws `QEMU_BAD_ARGUMENT` for anything else. */
export function imageSizeArg(size: ImageSize): string {
  if (typeof size === 'number') {
    if (Number.isSafeInteger(size) && size >= 0) return String(size);
  } else if (SIZE.test(size)) {
    return size;
  }
  throw new QemuError(
    'QEMU_BAD_ARGUMENT',
    `image size ${JSON.stringify(size)} is not a byte count or a size like 64M`,
  );
}

/**
 * A guest without any OS: an 11-byte boot sector that SeaBIOS runs, which increments the
 * 32-bit counter at 0x500 forever (`xor ax,ax; mov ds,ax; L: inc dword [0x500]; jmp L`). Its
 * RAM changes all the time, so reading the counter with HMP `xp /1wx 0x500` proves whether a
 * vm snapshot restored RAM and CPU state.
 */
import { open, rm } from 'node:fs/promises';
import { convertImage } from '../../src/qemu/img/convert-image.js';

const CODE = [0x31, 0xc0, 0x8e, 0xd8, 0x66, 0xff, 0x06, 0x00, 0x05, 0xeb, 0xf9];

/** Writes the boot-sector guest as a qcow2 image of `sizeMiB` (raw file, then convert). */
export async function createBootSectorGuest(path: string, sizeMiB = 64): Promise<void> {
  const sector = Buffer.alloc(512);
  Buffer.from(CODE).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  const raw = `${path}.raw`;
  const file = await open(raw, 'w');
  try {
    await file.write(sector, 0, sector.length, 0);
    await file.truncate(sizeMiB * 1024 * 1024);
  } finally {
    await file.close();
  }
  await convertImage(raw, path, { sourceFormat: 'raw', targetFormat: 'qcow2' });
  await rm(raw);
}

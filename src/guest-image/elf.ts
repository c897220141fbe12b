/**
 * A minimal ELF reader, just enough for building the guest without host tools such as
 * `readelf` or `modinfo` (the host has no kmod): the program interpreter (`PT_INTERP`) and the
 * `DT_NEEDED` libraries of an executable or shared library, and the `.modinfo` section of a
 * kernel module. Only 64-bit little-endian files are read: the guest is x86-64.
 */
import { GuestError } from '../errors.js';

const PT_INTERP = 3;
const SHT_DYNAMIC = 6;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;

/** One section header, as much of it as the readers below use. */
interface Section {
  nameOffset: number;
  type: number;
  offset: number;
  size: number;
  link: number;
}

/** What {@link readElfLinking} finds in an executable or shared library. */
export interface ElfLinking {
  /** The `PT_INTERP` path (the dynamic loader), absent in static executables and libraries. */
  interpreter: string | undefined;
  /** The `DT_NEEDED` sonames, in the order the file lists them. */
  needed: string[];
}

function fail(what: string, message: string): never {
  throw new GuestError('GUEST_BUILD', `${what} is not an ELF file cartograph can read: ${message}`);
}

/** The NUL-terminated string at `offset` of `buf`. */
function cString(buf: Buffer, offset: number, what: string): string {
  if (offset < 0 || offset >= buf.length) fail(what, `string offset ${offset} out of range`);
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end === -1 ? buf.length : end);
}

function toOffset(value: bigint, buf: Buffer, what: string): number {
  if (value > BigInt(buf.length)) fail(what, `offset ${value} past the end of the file`);
  return Number(value);
}

function checkHeader(buf: Buffer, what: string): void {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) fail(what, 'no ELF magic');
  if (buf[4] !== ELFCLASS64 || buf[5] !== ELFDATA2LSB) {
    fail(what, 'not a 64-bit little-endian file');
  }
}

function sections(buf: Buffer, what: string): Section[] {
  const shoff = toOffset(buf.readBigUInt64LE(0x28), buf, what);
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  if (shoff === 0 || shnum === 0) return [];
  if (shentsize < 64 || shoff + shnum * shentsize > buf.length) {
    fail(what, 'section headers out of range');
  }
  const result: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    const offset = toOffset(buf.readBigUInt64LE(at + 0x18), buf, what);
    const size = toOffset(buf.readBigUInt64LE(at + 0x20), buf, what);
    const type = buf.readUInt32LE(at + 4);
    // SHT_NOBITS (.bss) occupies no file bytes; its size says nothing about the file.
    if (type !== 8 && offset + size > buf.length) fail(what, `section ${i} out of range`);
    result.push({
      nameOffset: buf.readUInt32LE(at),
      type,
      offset,
      size,
      link: buf.readUInt32LE(at + 0x28),
    });
  }
  return result;
}

/** The interpreter and `DT_NEEDED` entries of an ELF executable or shared library. */
export function readElfLinking(buf: Buffer, what = 'file'): ElfLinking {
  checkHeader(buf, what);
  let interpreter: string | undefined;
  const phoff = toOffset(buf.readBigUInt64LE(0x20), buf, what);
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  if (phnum > 0 && (phentsize < 56 || phoff + phnum * phentsize > buf.length)) {
    fail(what, 'program headers out of range');
  }
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (buf.readUInt32LE(at) === PT_INTERP) {
      interpreter = cString(buf, toOffset(buf.readBigUInt64LE(at + 8), buf, what), what);
    }
  }

  // The dynamic section names its string table through sh_link; reading sections (rather than
  // PT_DYNAMIC, whose DT_STRTAB is a virtual address) needs no address translation.
  const all = sections(buf, what);
  const needed: string[] = [];
  for (const section of all) {
    if (section.type !== SHT_DYNAMIC) continue;
    const strtab = all[section.link];
    if (strtab === undefined) fail(what, 'dynamic section without a string table');
    for (let at = section.offset; at + 16 <= section.offset + section.size; at += 16) {
      const tag = buf.readBigInt64LE(at);
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) {
        const nameAt = Number(buf.readBigUInt64LE(at + 8));
        if (nameAt >= strtab.size) fail(what, 'DT_NEEDED name out of its string table');
        needed.push(cString(buf, strtab.offset + nameAt, what));
      }
    }
  }
  return { interpreter, needed };
}

/** The raw contents of the section called `name`, or `undefined` when the file has none. */
export function readElfSection(buf: Buffer, name: string, what = 'file'): Buffer | undefined {
  checkHeader(buf, what);
  const all = sections(buf, what);
  const names = all[buf.readUInt16LE(0x3e)];
  if (names === undefined) return undefined;
  for (const section of all) {
    if (cString(buf, names.offset + section.nameOffset, what) === name) {
      return buf.subarray(section.offset, section.offset + section.size);
    }
  }
  return undefined;
}

/** What a kernel module's `.modinfo` says about linking it. */
export interface ModuleInfo {
  /** The module's name (`name=`), with `_` as the kernel writes it. */
  name: string | undefined;
  /** The modules it needs loaded first (`depends=`, comma separated, may be empty). */
  depends: string[];
}

/** Reads `name=` and `depends=` from the `.modinfo` section of a kernel module (`.ko`). */
export function readModuleInfo(buf: Buffer, what = 'kernel module'): ModuleInfo {
  const modinfo = readElfSection(buf, '.modinfo', what);
  if (modinfo === undefined) fail(what, 'no .modinfo section (not a kernel module?)');
  let name: string | undefined;
  let depends: string[] = [];
  // .modinfo is a run of NUL-terminated key=value strings, with NUL padding between some.
  for (const entry of modinfo.toString('latin1').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq === -1) continue;
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (key === 'name') name = value;
    else if (key === 'depends') depends = value.split(',').filter((d) => d !== '');
  }
  return { name, depends };
}

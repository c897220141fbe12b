import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readElfLinking, readElfSection, readModuleInfo } from '../../../src/guest-image/elf.js';

/** A strings table: NUL-separated, starting with the empty name; offsets by string. */
function strtab(names: readonly string[]): { data: Buffer; at: Map<string, number> } {
  const at = new Map<string, number>();
  const parts = [Buffer.alloc(1)];
  let offset = 1;
  for (const name of names) {
    at.set(name, offset);
    parts.push(Buffer.from(`${name}\0`, 'latin1'));
    offset += name.length + 1;
  }
  return { data: Buffer.concat(parts), at };
}

/**
 * A minimal ELF64 little-endian file: an optional PT_INTERP, a .dynamic with DT_NEEDED entries
 * (string table in .dynstr), an optional .modinfo, and the section name table.
 */
function elf(options: { interp?: string; needed?: string[]; modinfo?: string }): Buffer {
  const dynstr = strtab(options.needed ?? []);
  const dynamic = Buffer.alloc(16 * ((options.needed?.length ?? 0) + 1));
  (options.needed ?? []).forEach((name, i) => {
    dynamic.writeBigInt64LE(1n, i * 16);
    dynamic.writeBigUInt64LE(BigInt(dynstr.at.get(name) ?? 0), i * 16 + 8);
  });
  const interp = Buffer.from(`${options.interp ?? ''}\0`, 'latin1');
  const modinfo = Buffer.from(options.modinfo ?? '', 'latin1');
  const names = strtab(['.dynstr', '.dynamic', '.modinfo', '.shstrtab']);

  const phnum = options.interp === undefined ? 0 : 1;
  let offset = 64 + phnum * 56;
  const place = (data: Buffer): number => {
    const at = offset;
    offset += data.length;
    return at;
  };
  const interpAt = place(interp);
  const dynstrAt = place(dynstr.data);
  const dynamicAt = place(dynamic);
  const modinfoAt = place(modinfo);
  const namesAt = place(names.data);
  const shoff = offset;
  const sections = [
    { name: 0, type: 0, at: 0, size: 0, link: 0 },
    {
      name: names.at.get('.dynstr') ?? 0,
      type: 3,
      at: dynstrAt,
      size: dynstr.data.length,
      link: 0,
    },
    { name: names.at.get('.dynamic') ?? 0, type: 6, at: dynamicAt, size: dynamic.length, link: 1 },
    { name: names.at.get('.modinfo') ?? 0, type: 1, at: modinfoAt, size: modinfo.length, link: 0 },
    {
      name: names.at.get('.shstrtab') ?? 0,
      type: 3,
      at: namesAt,
      size: names.data.length,
      link: 0,
    },
  ];

  const buf = Buffer.alloc(shoff + sections.length * 64);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2; // ELFCLASS64
  buf[5] = 1; // little endian
  buf[6] = 1;
  buf.writeUInt16LE(3, 0x10); // ET_DYN
  buf.writeUInt16LE(62, 0x12); // x86-64
  buf.writeBigUInt64LE(phnum === 0 ? 0n : 64n, 0x20);
  buf.writeBigUInt64LE(BigInt(shoff), 0x28);
  buf.writeUInt16LE(64, 0x34);
  buf.writeUInt16LE(56, 0x36);
  buf.writeUInt16LE(phnum, 0x38);
  buf.writeUInt16LE(64, 0x3a);
  buf.writeUInt16LE(sections.length, 0x3c);
  buf.writeUInt16LE(4, 0x3e);
  if (phnum === 1) {
    buf.writeUInt32LE(3, 64); // PT_INTERP
    buf.writeBigUInt64LE(BigInt(interpAt), 64 + 8);
    buf.writeBigUInt64LE(BigInt(interp.length), 64 + 32);
  }
  interp.copy(buf, interpAt);
  dynstr.data.copy(buf, dynstrAt);
  dynamic.copy(buf, dynamicAt);
  modinfo.copy(buf, modinfoAt);
  names.data.copy(buf, namesAt);
  sections.forEach((s, i) => {
    const at = shoff + i * 64;
    buf.writeUInt32LE(s.name, at);
    buf.writeUInt32LE(s.type, at + 4);
    buf.writeBigUInt64LE(BigInt(s.at), at + 0x18);
    buf.writeBigUInt64LE(BigInt(s.size), at + 0x20);
    buf.writeUInt32LE(s.link, at + 0x28);
  });
  return buf;
}

describe('readElfLinking', () => {
  it('reads the interpreter and the DT_NEEDED sonames in order', () => {
    const file = elf({
      interp: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libglib-2.0.so.0', 'libc.so.6'],
    });
    expect(readElfLinking(file)).toEqual({
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libglib-2.0.so.0', 'libc.so.6'],
    });
  });

  it('gives no interpreter for a shared library and no needs for a static program', () => {
    expect(readElfLinking(elf({ needed: ['libc.so.6'] }))).toEqual({
      interpreter: undefined,
      needed: ['libc.so.6'],
    });
    expect(readElfLinking(elf({ interp: '/lib/ld.so' })).needed).toEqual([]);
  });

  it('refuses what is not a 64-bit little-endian ELF file', () => {
    expect(() => readElfLinking(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80)))).toThrow(
      expect.objectContaining({ code: 'GUEST_BUILD' }),
    );
    const file = elf({ needed: [] });
    file[4] = 1; // ELFCLASS32
    expect(() => readElfLinking(file)).toThrow(expect.objectContaining({ code: 'GUEST_BUILD' }));
    const truncated = elf({ needed: ['libc.so.6'] }).subarray(0, 100);
    expect(() => readElfLinking(truncated)).toThrow(
      expect.objectContaining({ code: 'GUEST_BUILD' }),
    );
  });

  const readelf = spawnSync('readelf', ['--version'], { stdio: 'ignore' }).error === undefined;
  it.skipIf(!readelf)('agrees with readelf on a real program of the host', () => {
    const program = process.execPath;
    const dynamic = spawnSync('readelf', ['-dW', program], { encoding: 'utf8' }).stdout;
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((m) => m[1]);
    const headers = spawnSync('readelf', ['-lW', program], { encoding: 'utf8' }).stdout;
    const interp = /Requesting program interpreter: (.+)\]/.exec(headers)?.[1];
    expect(readElfLinking(readFileSync(program), program)).toEqual({
      interpreter: interp,
      needed,
    });
  });
});

describe('readModuleInfo', () => {
  it('reads name= and depends= from .modinfo', () => {
    const file = elf({
      modinfo:
        'license=GPL\0\0\0depends=net_failover,virtio\0retpoline=Y\0intree=Y\0name=virtio_net\0vermagic=6.1.0 SMP\0',
    });
    expect(readModuleInfo(file)).toEqual({
      name: 'virtio_net',
      depends: ['net_failover', 'virtio'],
    });
  });

  it('reads an empty depends= as no dependency', () => {
    expect(readModuleInfo(elf({ modinfo: 'depends=\0name=virtio_ring\0' })).depends).toEqual([]);
  });

  it('refuses a file without .modinfo', () => {
    const file = elf({ needed: [] });
    // Rename .modinfo so the file has none.
    const at = file.indexOf('.modinfo\0');
    file.write('.mXdinfo', at, 'latin1');
    expect(readElfSection(file, '.modinfo')).toBeUndefined();
    expect(() => readModuleInfo(file)).toThrow(expect.objectContaining({ code: 'GUEST_BUILD' }));
  });
});

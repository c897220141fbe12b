import { describe, expect, it } from 'vitest';
import { formatCommandLine, isQemuError, tailText } from '../../../../src/qemu/errors.js';
import {
  backingFileArg,
  checkSnapshotTag,
  creationOptionsArg,
  imageSizeArg,
  qcow2ImageOpts,
} from '../../../../src/qemu/img/image-args.js';
import { ioPatternCommand } from '../../../../src/qemu/img/qemu-io.js';
import { vmRunPaths } from '../../../../src/qemu/vm/run-dir.js';
import { escapeQemuOptionValue } from '../../../../src/qemu/vm/vm-args.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isQemuError(error) ? error.code : 'not a QemuError';
  }
  return undefined;
}

describe('argument helpers', () => {
  it('checkSnapshotTag refuses tags QEMU would misread', () => {
    for (const ok of ['s1', 'tag with space', 'weird:tag@1', 'v1.0-rc', '1a', 'x'.repeat(255)]) {
      expect(
        codeOf(() => {
          checkSnapshotTag(ok);
        }),
      ).toBeUndefined();
    }
    for (const bad of ['', '3', '007', ' lead', 'trail ', 'new\nline', 'x'.repeat(256)]) {
      expect(
        codeOf(() => {
          checkSnapshotTag(bad);
        }),
      ).toBe('QEMU_BAD_ARGUMENT');
    }
  });

  it('escapeQemuOptionValue doubles commas', () => {
    expect(escapeQemuOptionValue('/a,b,,c')).toBe('/a,,b,,,,c');
  });

  it('qcow2ImageOpts opens a file as qcow2 with an escaped absolute name', () => {
    expect(qcow2ImageOpts('/x/a,b.qcow2')).toBe(
      'driver=qcow2,file.driver=file,file.filename=/x/a,,b.qcow2',
    );
  });

  it('backingFileArg keeps relative names but protects a colon from protocol parsing', () => {
    expect(backingFileArg('/abs/b.qcow2')).toBe('/abs/b.qcow2');
    expect(backingFileArg('base.qcow2')).toBe('base.qcow2');
    expect(backingFileArg('../pool/base.qcow2')).toBe('../pool/base.qcow2');
    expect(backingFileArg('nbd:x.qcow2')).toBe('./nbd:x.qcow2');
    expect(backingFileArg('dir/nbd:x.qcow2')).toBe('dir/nbd:x.qcow2');
  });

  it('imageSizeArg takes bytes and size strings only', () => {
    expect(imageSizeArg(67108864)).toBe('67108864');
    expect(imageSizeArg('64M')).toBe('64M');
    expect(imageSizeArg('1.5G')).toBe('1.5G');
    for (const bad of [-1, 1.5, '64 M', '-64M', '64MB', '']) {
      expect(codeOf(() => imageSizeArg(bad))).toBe('QEMU_BAD_ARGUMENT');
    }
  });

  it('creationOptionsArg joins escaped options and refuses odd names', () => {
    expect(creationOptionsArg(undefined)).toBeUndefined();
    expect(creationOptionsArg({})).toBeUndefined();
    expect(
      creationOptionsArg({ compression_type: 'zstd', lazy_refcounts: true, cluster_size: 65536 }),
    ).toBe('compression_type=zstd,lazy_refcounts=on,cluster_size=65536');
    expect(creationOptionsArg({ backing_file: 'a,b' })).toBe('backing_file=a,,b');
    expect(codeOf(() => creationOptionsArg({ 'a=b': 'x' }))).toBe('QEMU_BAD_ARGUMENT');
  });

  it('ioPatternCommand builds pattern commands and refuses what qemu-io would misparse', () => {
    expect(ioPatternCommand('write', 0xab, 0, '1M')).toBe('write -P 0xab 0 1M');
    expect(ioPatternCommand('read', 5, 65536, 512)).toBe('read -P 0x05 65536 512');
    expect(codeOf(() => ioPatternCommand('read', 256, 0, 1))).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(() => ioPatternCommand('read', 1, '0; x', 1))).toBe('QEMU_BAD_ARGUMENT');
    expect(codeOf(() => ioPatternCommand('read', 1, 0, 1.5))).toBe('QEMU_BAD_ARGUMENT');
  });

  it('formatCommandLine quotes for display only where needed', () => {
    expect(formatCommandLine(['qemu-img', 'snapshot', '-c', 'tag with space', "it's"])).toBe(
      `qemu-img snapshot -c 'tag with space' 'it'\\''s'`,
    );
  });

  it('tailText keeps the last non-empty lines', () => {
    expect(tailText('a\r\nb\n\nc\n', 2)).toBe('b\nc');
    expect(tailText('x'.repeat(10), 5, 4)).toBe('…xxx');
  });

  it('vmRunPaths refuses a run directory too long for a unix socket', () => {
    expect(vmRunPaths('/tmp/r').socket).toBe('/tmp/r/qmp.sock');
    expect(codeOf(() => vmRunPaths(`/tmp/${'d'.repeat(100)}`))).toBe('QEMU_BAD_ARGUMENT');
  });
});

/**
 * `qemu-img info --output=json`: running it and turning its JSON into typed image facts
 * (format, sizes, backing file, snapshots with their vm-state sizes).
 */
import { resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import type { ImageFormat } from './image-args.js';
import { parseJsonOutput, type QemuCallOptions, runQemuTool } from './run-qemu-tool.js';

/** One internal snapshot of an image, from `qemu-img info --output=json`. */
export interface SnapshotInfo {
  /** The snapshot ID, a string of digits (`"1"`). Not the tag. */
  id: string;
  /** The tag. */
  name: string;
  /** Bytes of saved vm state: 0 = disk-only ("off") snapshot, > 0 = with RAM ("on"). */
  vmStateSize: number;
  /** Creation time, seconds since the epoch. */
  dateSec: number;
  dateNsec: number;
  /** Guest clock at the snapshot. */
  vmClockSec: number;
  vmClockNsec: number;
  /** Instruction count; QEMU 7.2 writes it only for disk-only snapshots. */
  icount?: number;
}

/** The qcow2 header fields of `format-specific`. */
export interface Qcow2Details {
  compat?: string;
  compressionType?: string;
  corrupt?: boolean;
  lazyRefcounts?: boolean;
  refcountBits?: number;
  extendedL2?: boolean;
}

/** One image as `qemu-img info --output=json` describes it. */
export interface ImageInfo {
  /** The file name as qemu-img was given it. */
  filename: string;
  /** `qcow2`, `raw`, … */
  format: string;
  /** Size the guest sees, bytes. */
  virtualSize: number;
  /** Bytes allocated on the host. */
  actualSize?: number;
  clusterSize?: number;
  /** Whether the image was not closed cleanly (lazy refcounts). */
  dirty: boolean;
  /** The backing file name as stored in the image (may be relative). */
  backingFilename?: string;
  /** The backing file name resolved against the image's directory. */
  fullBackingFilename?: string;
  /** The backing file's format as stored in the image. */
  backingFormat?: string;
  /** Internal snapshots; `[]` when the image has none (qemu-img then omits the key). */
  snapshots: SnapshotInfo[];
  /** qcow2 header details, for qcow2 images. */
  qcow2?: Qcow2Details;
}

type Json = Record<string, unknown>;

function fail(what: string): never {
  throw new QemuError('QEMU_FAILED', `unexpected qemu-img info output: ${what}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(obj: Json, key: string, where: string): number {
  const v = obj[key];
  return typeof v === 'number' ? v : fail(`${where}: "${key}" is not a number`);
}

function optNum(obj: Json, key: string, where: string): number | undefined {
  return obj[key] === undefined ? undefined : num(obj, key, where);
}

function str(obj: Json, key: string, where: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : fail(`${where}: "${key}" is not a string`);
}

function optStr(obj: Json, key: string, where: string): string | undefined {
  return obj[key] === undefined ? undefined : str(obj, key, where);
}

function optBool(obj: Json, key: string): boolean | undefined {
  const v = obj[key];
  return typeof v === 'boolean' ? v : undefined;
}

function parseSnapshot(value: unknown, index: number): SnapshotInfo {
  const where = `snapshots[${index}]`;
  if (!isObject(value)) fail(`${where} is not an object`);
  const snapshot: SnapshotInfo = {
    id: str(value, 'id', where),
    name: str(value, 'name', where),
    vmStateSize: num(value, 'vm-state-size', where),
    dateSec: num(value, 'date-sec', where),
    dateNsec: num(value, 'date-nsec', where),
    vmClockSec: num(value, 'vm-clock-sec', where),
    vmClockNsec: num(value, 'vm-clock-nsec', where),
  };
  const icount = optNum(value, 'icount', where);
  if (icount !== undefined) snapshot.icount = icount;
  return snapshot;
}

function parseQcow2(value: unknown): Qcow2Details | undefined {
  if (!isObject(value) || value.type !== 'qcow2' || !isObject(value.data)) return undefined;
  const d = value.data;
  const details: Qcow2Details = {};
  if (typeof d.compat === 'string') details.compat = d.compat;
  if (typeof d['compression-type'] === 'string') details.compressionType = d['compression-type'];
  const corrupt = optBool(d, 'corrupt');
  if (corrupt !== undefined) details.corrupt = corrupt;
  const lazy = optBool(d, 'lazy-refcounts');
  if (lazy !== undefined) details.lazyRefcounts = lazy;
  if (typeof d['refcount-bits'] === 'number') details.refcountBits = d['refcount-bits'];
  const extendedL2 = optBool(d, 'extended-l2');
  if (extendedL2 !== undefined) details.extendedL2 = extendedL2;
  return details;
}

/**
 * Turns one image object of `qemu-img info --output=json` (QEMU 7.2) into an {@link ImageInfo}.
 * A missing `snapshots` key becomes `[]`. Throws `QEMU_FAILED` when the shape is not the
 * documented one, so a changed QEMU fails loudly instead of yielding half-read states.
 */
export function parseImageInfo(value: unknown): ImageInfo {
  if (!isObject(value)) fail('not a JSON object');
  const where = 'image';
  const snapshots = value.snapshots ?? [];
  if (!Array.isArray(snapshots)) fail('"snapshots" is not an array');
  const info: ImageInfo = {
    filename: str(value, 'filename', where),
    format: str(value, 'format', where),
    virtualSize: num(value, 'virtual-size', where),
    dirty: optBool(value, 'dirty-flag') ?? false,
    snapshots: snapshots.map(parseSnapshot),
  };
  const actualSize = optNum(value, 'actual-size', where);
  if (actualSize !== undefined) info.actualSize = actualSize;
  const clusterSize = optNum(value, 'cluster-size', where);
  if (clusterSize !== undefined) info.clusterSize = clusterSize;
  const backing = optStr(value, 'backing-filename', where);
  if (backing !== undefined) info.backingFilename = backing;
  const fullBacking = optStr(value, 'full-backing-filename', where);
  if (fullBacking !== undefined) info.fullBackingFilename = fullBacking;
  const backingFormat = optStr(value, 'backing-filename-format', where);
  if (backingFormat !== undefined) info.backingFormat = backingFormat;
  const qcow2 = parseQcow2(value['format-specific']);
  if (qcow2 !== undefined) info.qcow2 = qcow2;
  return info;
}

/** Options of {@link imageInfo} and {@link backingChainInfo}. */
export interface ImageInfoOptions extends QemuCallOptions {
  /** Format to open the image as; never probed. @default 'qcow2' */
  format?: ImageFormat | undefined;
  /**
   * Read the image although another process (a running vm) holds it (`-U`). Safe for reading
   * metadata; the answer may be slightly behind what the holder is writing.
   * @default false
   */
  forceShare?: boolean | undefined;
}

/**
 * `qemu-img info --output=json`: size, backing file and internal snapshots of one image.
 * Fails with `QEMU_IMAGE_MISSING` or `QEMU_IMAGE_LOCKED` (without `forceShare`).
 */
export async function imageInfo(path: string, options: ImageInfoOptions = {}): Promise<ImageInfo> {
  const args = ['info', '--output=json', '-f', options.format ?? 'qcow2'];
  if (options.forceShare === true) args.push('-U');
  const result = await runQemuTool('qemu-img', [...args, resolve(path)], options);
  return parseImageInfo(parseJsonOutput(result.stdout, result.command));
}

/**
 * `qemu-img check`: running it, reading its verdict (clean, leaks, corrupt) and repairing the
 * leaked clusters a killed vm leaves.
 */
import { resolve } from 'node:path';
import { QemuError } from '../../errors.js';
import { isQemuError } from '../errors.js';
import type { ImageFormat } from './image-args.js';
import { parseJsonOutput, type QemuCallOptions, runQemuTool } from './run-qemu-tool.js';

/**
 * Outcome of `qemu-img check`, from its exit code: `clean` (0), `corrupt` (2: corruptions
 * remain), `leaks` (3: only leaked clusters remain, harmless but wasted space), `unsupported`
 * (63: the format cannot be checked, e.g. raw).
 */
export type CheckStatus = 'clean' | 'corrupt' | 'leaks' | 'unsupported';

/** What `qemu-img check --output=json` reported. Counts qemu-img omits are 0. */
export interface CheckResult {
  status: CheckStatus;
  /** The exit code of `qemu-img check` (0, 2, 3 or 63). */
  exitCode: number;
  filename?: string;
  format?: string;
  /** Errors that kept the check from completing (I/O errors while reading metadata). */
  checkErrors: number;
  /** Corruptions still present after the check (and any repair). */
  corruptions: number;
  /** Leaked clusters still present after the check (and any repair). */
  leaks: number;
  corruptionsFixed: number;
  leaksFixed: number;
  imageEndOffset?: number;
  totalClusters?: number;
  allocatedClusters?: number;
  fragmentedClusters?: number;
  compressedClusters?: number;
}

const STATUS: Readonly<Record<number, CheckStatus>> = {
  0: 'clean',
  2: 'corrupt',
  3: 'leaks',
  63: 'unsupported',
};

const OPTIONAL_COUNTS = [
  ['image-end-offset', 'imageEndOffset'],
  ['total-clusters', 'totalClusters'],
  ['allocated-clusters', 'allocatedClusters'],
  ['fragmented-clusters', 'fragmentedClusters'],
  ['compressed-clusters', 'compressedClusters'],
] as const;

/**
 * Builds a {@link CheckResult} from the exit code and the parsed JSON (`undefined` for exit
 * code 63, which prints no JSON). Throws `QEMU_FAILED` for an exit code check does not document.
 */
export function parseCheckResult(exitCode: number, json: unknown): CheckResult {
  const status = STATUS[exitCode];
  if (status === undefined) {
    throw new QemuError('QEMU_FAILED', `qemu-img check exited with undocumented code ${exitCode}`);
  }
  const obj: Record<string, unknown> =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : {};
  if (status !== 'unsupported' && json === undefined) {
    throw new QemuError('QEMU_FAILED', 'qemu-img check printed no JSON');
  }
  const count = (key: string): number => {
    const v = obj[key];
    return typeof v === 'number' ? v : 0;
  };
  const result: CheckResult = {
    status,
    exitCode,
    checkErrors: count('check-errors'),
    corruptions: count('corruptions'),
    leaks: count('leaks'),
    corruptionsFixed: count('corruptions-fixed'),
    leaksFixed: count('leaks-fixed'),
  };
  if (typeof obj.filename === 'string') result.filename = obj.filename;
  if (typeof obj.format === 'string') result.format = obj.format;
  for (const [key, field] of OPTIONAL_COUNTS) {
    const v = obj[key];
    if (typeof v === 'number') result[field] = v;
  }
  return result;
}

/** Options of {@link checkImage}. */
export interface CheckImageOptions extends QemuCallOptions {
  /** Format to check the image as; never probed. @default 'qcow2' */
  format?: ImageFormat | undefined;
  /**
   * Repair what is found (`-r`): `leaks` frees leaked clusters only (always safe), `all` also
   * fixes corruptions (may lose data that was already inconsistent). Needs the write lock.
   */
  repair?: 'leaks' | 'all' | undefined;
  /** Check an image another process holds (`-U`); not with `repair`. @default false */
  forceShare?: boolean | undefined;
}

/**
 * `qemu-img check --output=json`. Corruption (exit code 2), leaks (3) and an unsupported
 * format (63) are results, not exceptions; an image that cannot be opened is an error
 * (`QEMU_IMAGE_MISSING`, `QEMU_IMAGE_LOCKED`, `QEMU_FAILED` for "not in qcow2 format").
 */
export async function checkImage(
  path: string,
  options: CheckImageOptions = {},
): Promise<CheckResult> {
  const args = ['check', '--output=json', '-f', options.format ?? 'qcow2'];
  if (options.repair !== undefined) args.push('-r', options.repair);
  if (options.forceShare === true) args.push('-U');
  args.push(resolve(path));
  const result = await runQemuTool('qemu-img', args, {
    ...options,
    accept: (exitCode) => [0, 2, 3, 63].includes(exitCode),
  });
  const json = result.exitCode === 63 ? undefined : parseJsonOutput(result.stdout, result.command);
  return parseCheckResult(result.exitCode, json);
}

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

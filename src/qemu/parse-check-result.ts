import { QemuError } from '../errors.js';

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

import { readFile } from 'node:fs/promises';
import { QemuError } from '../errors.js';
import type { VmRunState } from './vm-run-state.js';

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isDrive(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return typeof d.file === 'string' && typeof d.id === 'string' && typeof d.nodeName === 'string';
}

/**
 * Reads a run directory's state file; `undefined` if there is none. A file that is not a
 * version-1 state is `QEMU_VM` (something else wrote it; cartograph will not guess).
 */
export async function readVmRunState(path: string): Promise<VmRunState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new QemuError('QEMU_VM', `vm state file ${path} is not JSON`, { cause: error });
  }
  const s = json as Partial<Record<keyof VmRunState, unknown>> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    s.version !== 1 ||
    typeof s.pid !== 'number' ||
    !isStringArray(s.command) ||
    !Array.isArray(s.drives) ||
    !s.drives.every(isDrive) ||
    typeof s.memoryMiB !== 'number' ||
    typeof s.paused !== 'boolean' ||
    typeof s.detached !== 'boolean' ||
    typeof s.startedAt !== 'string'
  ) {
    throw new QemuError(
      'QEMU_VM',
      `vm state file ${path} is not a cartograph vm state (version 1)`,
    );
  }
  return s as VmRunState;
}
